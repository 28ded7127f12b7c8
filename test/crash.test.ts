import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgresUrl, backends } from './helpers/backends.js';
import { json } from './helpers/http.js';
import { startProcess } from './helpers/process.js';
import { kuraCommand } from './helpers/cli.js';
import { testPasswordHash } from './helpers/password.js';

const files = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());

describe.each(backends)('crash during upload (%s)', (backend) => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('SIGKILL mid-upload: after restart no partial file is visible and no temp file is left', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kura-crash-'));
    dirs.push(dataDir);
    const env: Record<string, string> = { DATA_DIR: dataDir };
    if (backend === 'postgres') env.DATABASE_URL = await freshPostgresUrl();
    const add = await kuraCommand(['user', 'add', 'crash', '--password-hash', await testPasswordHash(), '--init', '--json'], env);
    expect(add.code, add.stderr).toBe(0);
    const token = (await kuraCommand(['token', 'create', 'crash'], env)).stdout.trim();
    const auth = { authorization: `Bearer ${token}` };

    let { proc, url } = await startProcess(env);
    const rootId = (await json(await fetch(`${url}/api/v1/spaces`, { headers: auth }))).spaces[0].rootId;

    // Start a multipart upload, send part of the body, then kill the server.
    const boundary = 'kuraCrashBoundary';
    const u = new URL(`${url}/api/v1/items/${rootId}/children`);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(50 * 1024 * 1024) } });
    req.on('error', () => undefined);
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="partial.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 8; i++) req.write(chunk);
    // Wait until the server has written staging bytes, then kill it.
    const staging = join(dataDir, 'blobs', 'staging');
    for (let i = 0; i < 100 && (await files(staging).catch(() => [])).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await files(staging)).length).toBeGreaterThan(0);
    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
    req.destroy();

    ({ proc, url } = await startProcess(env));
    try {
      const list = await json(await fetch(`${url}/api/v1/items/${rootId}/children`, { headers: auth }));
      expect(list.items.map((i: { name: string }) => i.name)).not.toContain('partial.bin');
      expect(await files(staging)).toHaveLength(0);
      expect(await files(join(dataDir, 'blobs', 'objects')).catch(() => [])).toHaveLength(0);
      // And the server works normally afterwards.
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('after the crash')]), 'ok.txt');
      expect((await fetch(`${url}/api/v1/items/${rootId}/children`, { method: 'POST', headers: auth, body: form })).status).toBe(201);
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
  });

  it('SIGTERM lets an in-flight download finish before exiting', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kura-drain-'));
    dirs.push(dataDir);
    const env: Record<string, string> = { DATA_DIR: dataDir };
    if (backend === 'postgres') env.DATABASE_URL = await freshPostgresUrl();
    await kuraCommand(['user', 'add', 'drain', '--password-hash', await testPasswordHash(), '--init'], env);
    const token = (await kuraCommand(['token', 'create', 'drain'], env)).stdout.trim();
    const auth = { authorization: `Bearer ${token}` };
    const { proc, url } = await startProcess(env);
    const rootId = (await json(await fetch(`${url}/api/v1/spaces`, { headers: auth }))).spaces[0].rootId;
    const data = Buffer.alloc(20 * 1024 * 1024, 3);
    const form = new FormData();
    form.append('file', new Blob([data]), 'big.bin');
    const item = (await json(await fetch(`${url}/api/v1/items/${rootId}/children`, { method: 'POST', headers: auth, body: form }))).items[0];
    // Read the download slowly while the server is asked to stop.
    const res = await fetch(`${url}/api/v1/items/${item.id}/content`, { headers: auth });
    const reader = res.body!.getReader();
    let got = 0;
    const first = await reader.read();
    got += first.value?.length ?? 0;
    const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got += value.length;
    }
    expect(got).toBe(data.length);
    expect(await exited).toBe(0);
  });
});
