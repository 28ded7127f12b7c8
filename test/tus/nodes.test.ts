import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresUrl } from '../helpers/backends.js';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { run, startProcess } from '../helpers/process.js';
import { startS3, type TestS3 } from '../helpers/s3-server.js';
import { clientUpload } from '../helpers/tus.js';
import { testPasswordHash } from '../helpers/password.js';

/** tus-js-client's own HTTP stack, sending each request to the next node in turn. */
class RoundRobin implements tus.HttpStack {
  private readonly inner = new tus.DefaultHttpStack({});
  private next = 0;
  readonly hosts: string[] = [];

  constructor(private readonly nodes: string[]) {}

  createRequest(method: string, url: string): tus.HttpRequest {
    const u = new URL(url);
    const node = new URL(this.nodes[this.next++ % this.nodes.length]);
    u.host = node.host;
    this.hosts.push(`${method} ${node.host}`);
    return this.inner.createRequest(method, u.href);
  }

  getName(): string {
    return 'RoundRobin';
  }
}

// Two `kura serve` processes on one PostgreSQL database and one S3-protocol store: tus
// state lives in neither process, so every chunk may go to another node.
describe.runIf(process.env.KURA_TEST_DATABASE_URL)('tus across two Kura processes (postgres + s3)', () => {
  let s3: TestS3;
  const procs: ChildProcess[] = [];
  const dirs: string[] = [];
  let urls: string[] = [];
  let token = '';

  beforeAll(async () => {
    s3 = await startS3();
    const c = s3.s3Config('kura-tus-nodes');
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
        const d = await mkdtemp(join(tmpdir(), 'kura-tus-node-'));
        dirs.push(d);
        return { ...shared, DATA_DIR: d };
      }),
    );
    expect((await run(['user', 'add', 'tusnodes', '--password-hash', await testPasswordHash(), '--init', '--json'], envs[0])).code).toBe(0);
    token = (await run(['token', 'create', 'tusnodes'], envs[0])).stdout.trim();
    for (const env of envs) {
      const p = await startProcess(env);
      procs.push(p.proc);
      urls.push(p.url);
    }
  }, 90_000);

  afterAll(async () => {
    for (const p of procs) {
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }
    urls = [];
    await s3?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('tus-js-client sends each chunk to the other node; either node serves the file', async () => {
    const data = bytes(2_100_000, 31);
    const stack = new RoundRobin(urls);
    const r = await clientUpload(`${urls[0]}/api/v1/tus/`, token, data, { chunkSize: 300_000, httpStack: stack, metadata: { filename: 'nodes.bin' } });
    const patches = stack.hosts.filter((h) => h.startsWith('PATCH'));
    expect(patches.length).toBe(7);
    expect(new Set(patches).size).toBe(2);
    for (const url of urls) {
      const dl = await fetch(`${url}/api/v1/items/${r.itemId}/content`, { headers: { authorization: `Bearer ${token}` } });
      expect(sha256(await body(dl))).toBe(sha256(data));
    }
    // Each node sees the other's progress: HEAD on either.
    for (const url of urls) {
      const head = await fetch(`${url}${new URL(r.url).pathname}`, { method: 'HEAD', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' } });
      expect(head.headers.get('upload-offset')).toBe(String(data.length));
    }
  }, 90_000);

  it('parallel partial uploads spread over both nodes, the final one made on either', async () => {
    const data = bytes(1_500_000, 32);
    const stack = new RoundRobin(urls);
    const r = await clientUpload(`${urls[1]}/api/v1/tus/`, token, data, { parallelUploads: 2, chunkSize: 250_000, httpStack: stack, metadata: { filename: 'nodes-parallel.bin' } });
    const item = await json(await fetch(`${urls[0]}/api/v1/items/${r.itemId}`, { headers: { authorization: `Bearer ${token}` } }));
    expect(item).toMatchObject({ name: 'nodes-parallel.bin', size: data.length });
    const dl = await fetch(`${urls[1]}/api/v1/items/${r.itemId}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(sha256(await body(dl))).toBe(sha256(data));
  }, 90_000);
});
