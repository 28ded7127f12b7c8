import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openCore } from '../../src/runtime.js';
import { freshPostgresUrl } from './backends.js';
import { testPasswordHash } from './password.js';
import { startProcess } from './process.js';
import { startS3, type TestS3 } from './s3-server.js';

/** `kura serve` processes sharing one PostgreSQL database and one S3-protocol store. */
export interface TestNodes {
  urls: string[];
  /** A bearer token of `username`, whose personal space's root is `rootId`. */
  token: string;
  rootId: number;
  close(): Promise<void>;
}

/**
 * Starts `count` Kura processes (each with a data directory of its own) on a migrated
 * PostgreSQL database and a bucket of a local S3 server, with one user made in-process
 * (from the test password's hash) and its token. Needs KURA_TEST_DATABASE_URL.
 */
export async function startNodes(opts: { bucket: string; username: string; count?: number }): Promise<TestNodes> {
  const s3: TestS3 = await startS3();
  const procs: ChildProcess[] = [];
  const dirs: string[] = [];
  const close = async () => {
    for (const p of procs) {
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }
    await s3.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  };
  try {
    const c = s3.s3Config(opts.bucket);
    const shared = {
      DATABASE_URL: await freshPostgresUrl({ migrated: true }),
      BLOB_STORE: 's3',
      S3_ENDPOINT: c.endpoint!,
      S3_BUCKET: c.bucket,
      S3_ACCESS_KEY_ID: c.accessKeyId!,
      S3_SECRET_ACCESS_KEY: c.secretAccessKey!,
      S3_FORCE_PATH_STYLE: 'true',
    };
    for (let i = 0; i < (opts.count ?? 2); i++) dirs.push(await mkdtemp(join(tmpdir(), 'kura-node-')));
    const core = await openCore(loadConfig({ ...shared, DATA_DIR: dirs[0], LOG_LEVEL: 'silent' }), { blobs: false });
    let token: string;
    let rootId: number;
    try {
      const u = await core.users.create({ username: opts.username, passwordHash: await testPasswordHash() });
      token = (await core.tokens.create(u.id, { label: 'nodes' })).token;
      rootId = (await core.spaces.listMine({ userId: u.id, role: u.role }))[0].rootId;
    } finally {
      await core.close();
    }
    const started = await Promise.all(dirs.map((d) => startProcess({ ...shared, DATA_DIR: d })));
    procs.push(...started.map((s) => s.proc));
    return { urls: started.map((s) => s.url), token, rootId, close };
  } catch (e) {
    await close();
    throw e;
  }
}
