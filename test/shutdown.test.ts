import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { backends, freshPostgresUrl } from './helpers/backends.js';
import { json } from './helpers/http.js';
import { kuraCommand } from './helpers/cli.js';
import { spawnKura } from './ops/serve.js';
import { testPasswordHash } from './helpers/password.js';

/** An upload that keeps sending (fast enough for the body pace) until the server answers. */
function endlessUpload(url: string, token: string, folderId: number): { socket: Socket; answer: Promise<string> } {
  const u = new URL(`${url}/api/v1/items/${folderId}/children`);
  const socket = connect(Number(u.port), u.hostname);
  const answer = new Promise<string>((resolve) => {
    let got = '';
    let pump: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(`POST ${u.pathname} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000000\r\n\r\n`);
      socket.write('--b\r\nContent-Disposition: form-data; name="file"; filename="never-finished.bin"\r\n\r\n');
      pump = setInterval(() => socket.write(Buffer.alloc(64 * 1024, 7)), 20);
    });
    socket.on('data', (d) => (got += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(pump);
      resolve(got);
    });
  });
  return { socket, answer };
}

/**
 * Issue 20, item 17: a shutdown past KURA_SHUTDOWN_GRACE_SECONDS cut running uploads with no
 * answer and no access-log line. Now they are answered 503 with Retry-After, logged, and
 * nothing of them is kept. (A grace of 0 makes the deadline the signal itself.)
 */
describe.each(backends)('shutdown past the grace (%s)', (backend) => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('answers an upload still arriving 503 with Retry-After, logs it, keeps nothing of it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kura-shutdown-'));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', KURA_SHUTDOWN_GRACE_SECONDS: '0', ...(backend === 'postgres' ? { DATABASE_URL: await freshPostgresUrl() } : {}) };
    const added = await kuraCommand(['user', 'add', 'uploader', '--password-hash', await testPasswordHash(), '--init'], env);
    expect(added.code, added.stderr).toBe(0);
    const k = spawnKura(['serve'], env);
    await k.waitFor((o) => o.includes('"banner":true'));
    const url = String(k.records().find((r) => r.banner === true)!.url);
    const login = await json(await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'uploader', password: 'correct horse battery' }) }));
    const me = await json(await fetch(`${url}/api/v1/spaces`, { headers: { authorization: `Bearer ${login.token}` } }));
    const rootId = me.spaces[0].rootId as number;

    const upload = endlessUpload(url, login.token, rootId);
    // The server is storing it once its staging file exists.
    await vi.waitFor(async () => expect(await readdir(join(dataDir, 'blobs', 'staging'))).not.toEqual([]), { timeout: 30_000, interval: 20 });
    const signalled = k.stop();
    const answer = await upload.answer;
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('"code":"unavailable"');
    expect(await signalled).toBe(1);

    const records = k.records();
    expect(records.some((r) => r.msg === 'request' && r.status === 503 && r.method === 'POST' && r.level === 30)).toBe(true);
    expect(records.find((r) => r.level === 50)?.msg).toMatch(/did not finish within KURA_SHUTDOWN_GRACE_SECONDS \(0\); exiting/);
    expect(records.find((r) => r.level === 50)?.answered503).toBe(1);
    // No stack of a handler's failure: the upload's end was expected.
    expect(records.filter((r) => r.err !== undefined)).toEqual([]);

    // Nothing of it was recorded.
    const again = spawnKura(['serve'], env);
    await again.waitFor((o) => o.includes('"banner":true'));
    const url2 = String(again.records().find((r) => r.banner === true)!.url);
    const list = await json(await fetch(`${url2}/api/v1/items/${rootId}/children`, { headers: { authorization: `Bearer ${login.token}` } }));
    expect(list.items).toEqual([]);
    expect(await again.stop()).toBe(0);
  });
});
