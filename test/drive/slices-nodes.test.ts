import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { freshPostgresUrl } from '../helpers/backends.js';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { run, startProcess } from '../helpers/process.js';
import { startS3, type TestS3 } from '../helpers/s3-server.js';
import { cuts, sendSlice } from '../helpers/slices.js';
import { testPasswordHash } from '../helpers/password.js';

// Two `kura serve` processes on one PostgreSQL database and one S3-protocol store: no
// upload state may live in either process.
describe.runIf(process.env.KURA_TEST_DATABASE_URL)('sliced upload across two Kura processes (postgres + s3)', () => {
  let s3: TestS3;
  const procs: ChildProcess[] = [];
  const dirs: string[] = [];
  let urls: string[] = [];
  let token = '';
  let rootId = 0;

  beforeAll(async () => {
    s3 = await startS3();
    const c = s3.s3Config('kura-nodes');
    const shared = {
      DATABASE_URL: await freshPostgresUrl({ migrated: true }),
      BLOB_STORE: 's3',
      S3_ENDPOINT: c.endpoint!,
      S3_BUCKET: c.bucket,
      S3_ACCESS_KEY_ID: c.accessKeyId!,
      S3_SECRET_ACCESS_KEY: c.secretAccessKey!,
      S3_FORCE_PATH_STYLE: 'true',
    };
    const envs = await Promise.all(
      [0, 1].map(async () => {
        const d = await mkdtemp(join(tmpdir(), 'kura-node-'));
        dirs.push(d);
        return { ...shared, DATA_DIR: d };
      }),
    );
    const add = await run(['user', 'add', 'nodes', '--password-hash', await testPasswordHash(), '--init', '--json'], envs[0]);
    expect(add.code, add.stderr).toBe(0);
    token = (await run(['token', 'create', 'nodes'], envs[0])).stdout.trim();
    for (const env of envs) {
      const p = await startProcess(env);
      procs.push(p.proc);
      urls.push(p.url);
    }
    const spaces = await json(await fetch(`${urls[1]}/api/v1/spaces`, { headers: { authorization: `Bearer ${token}` } }));
    rootId = spaces.spaces[0].rootId;
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) {
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }
    urls = [];
    await s3?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('takes slices sent alternately to both, out of order, and either node serves the file', async () => {
    const data = bytes(3_000_000, 81);
    const tempId = randomUUID();
    const parts = cuts(data.length, [400_000, 250_000, 700_001]);
    const order = [...parts.slice(1).reverse(), parts[0]];
    let last: { Data: { _id: string; FileSize: number; ReceivedLength?: number } } | undefined;
    for (const [i, [offset, n]] of order.entries()) {
      const res = await sendSlice(urls[i % 2], { token, fileName: 'nodes.bin', parentId: toObjectId(rootId), tempId, offset, length: data.length, data: data.subarray(offset, offset + n) });
      last = await json(res);
      expect(res.status).toBe(200);
      if (i < order.length - 1) expect(last!.Data.ReceivedLength).toBeGreaterThan(0);
    }
    expect(last!.Data.FileSize).toBe(data.length);
    for (const url of urls) {
      const dl = await fetch(`${url}/v1/file/download?${new URLSearchParams({ UserToken: token, FileId: last!.Data._id })}`);
      expect(sha256(await body(dl))).toBe(sha256(data));
    }
    // A conflicting slice sent to the other node is caught there too.
    const other = randomUUID();
    await sendSlice(urls[0], { token, fileName: 'c.bin', parentId: toObjectId(rootId), tempId: other, offset: 0, length: 2000, data: data.subarray(0, 1000) });
    const clash = await sendSlice(urls[1], { token, fileName: 'c.bin', parentId: toObjectId(rootId), tempId: other, offset: 500, length: 2000, data: bytes(1000, 9) });
    expect(clash.status).toBe(409);
  }, 60_000);
});
