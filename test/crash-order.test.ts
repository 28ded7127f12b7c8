import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backends, freshPostgresUrl } from './helpers/backends.js';
import { blobOf, body, bytes, json, sha256 } from './helpers/http.js';
import { startProcess } from './helpers/process.js';
import { kuraCommand } from './helpers/cli.js';
import { loadConfig } from '../src/config.js';
import { openCore } from '../src/runtime.js';
import { testPasswordHash } from './helpers/password.js';

/**
 * Bytes before metadata (decision 0002): the server is killed with SIGKILL right after an
 * upload's bytes are committed, or right after its metadata transaction, on every write
 * path (new file, new version, resumable upload). After a restart no listed file lacks its
 * bytes, and after GC with grace 0, `kura fsck` finds nothing wrong.
 */
describe.each(backends)('crash between bytes and metadata (%s)', (backend) => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  const stopped = (proc: ChildProcess) => new Promise<NodeJS.Signals | null>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r(proc.signalCode) : proc.once('exit', (_c, s) => r(s))));

  /** Runs `write` against a server that dies at `point`; asserts it was killed there. */
  async function killedDuring(env: Record<string, string>, point: string, write: (url: string) => Promise<unknown>): Promise<void> {
    const { proc, url } = await startProcess({ ...env, KURA_TEST_FAULT: point });
    const exit = stopped(proc);
    await write(url).catch(() => undefined);
    expect(await exit).toBe('SIGKILL');
  }

  for (const point of ['upload:after-commit', 'upload:after-metadata'] as const) {
    it(`SIGKILL at ${point}: every listed file has its bytes; after GC fsck is clean`, async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'kura-order-'));
      dirs.push(dataDir);
      const env: Record<string, string> = { DATA_DIR: dataDir, NODE_ENV: 'test' };
      if (backend === 'postgres') env.DATABASE_URL = await freshPostgresUrl();
      expect((await kuraCommand(['user', 'add', 'order', '--password-hash', await testPasswordHash(), '--init'], env)).code).toBe(0);
      const auth = { authorization: `Bearer ${(await kuraCommand(['token', 'create', 'order'], env)).stdout.trim()}` };

      const v1 = bytes(70_000, 11);
      const v2 = bytes(80_000, 12);
      const plain = bytes(90_000, 13);
      const resumable = bytes(300_000, 14);
      const call = (url: string, path: string, init: RequestInit) => fetch(`${url}/api/v1${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });

      // A file to update, made by a server without a fault.
      let { proc, url } = await startProcess(env);
      const rootId = (await json(await call(url, '/spaces', {}))).spaces[0].rootId as number;
      const form = new FormData();
      form.append('file', blobOf(v1), 'a.bin');
      const a = (await json(await call(url, `/items/${rootId}/children`, { method: 'POST', body: form }))).items[0];
      // The first part of a resumable upload is only pieces: no commit yet.
      expect((await call(url, '/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'crash-order', folderId: rootId, name: 'c.bin', length: resumable.length }) })).status).toBe(201);
      expect((await call(url, '/uploads/crash-order?offset=0', { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(resumable.subarray(0, 100_000)) })).status).toBe(200);
      proc.kill('SIGTERM');
      await stopped(proc);

      await killedDuring(env, point, (u) => call(u, `/items/${a.id}/versions`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(v2) }));
      await killedDuring(env, point, (u) => {
        const f = new FormData();
        f.append('file', blobOf(plain), 'b.bin');
        return call(u, `/items/${rootId}/children`, { method: 'POST', body: f });
      });
      await killedDuring(env, point, (u) => call(u, '/uploads/crash-order?offset=100000', { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(resumable.subarray(100_000)) }));

      ({ proc, url } = await startProcess(env));
      try {
        const listed = (await json(await call(url, `/items/${rootId}/children`, {}))).items as { id: number; name: string; sha256: string }[];
        for (const item of listed) {
          const res = await call(url, `/items/${item.id}/content`, {});
          expect(res.status, item.name).toBe(200);
          expect(sha256(await body(res)), item.name).toBe(item.sha256);
        }
        const byName = new Map(listed.map((i) => [i.name, i.sha256]));
        if (point === 'upload:after-metadata') {
          expect(Object.fromEntries(byName)).toEqual({ 'a.bin': sha256(v2), 'b.bin': sha256(plain), 'c.bin': sha256(resumable) });
        } else {
          expect(Object.fromEntries(byName)).toEqual({ 'a.bin': sha256(v1) });
        }
      } finally {
        proc.kill('SIGTERM');
        await stopped(proc);
      }

      const gc = await kuraCommand(['gc', '--json'], { ...env, KURA_GC_GRACE_SECONDS: '0' });
      expect(gc.code, gc.stderr).toBe(0);
      if (point === 'upload:after-commit') expect(JSON.parse(gc.stdout).orphans).toBeGreaterThanOrEqual(1);
      const fsck = await kuraCommand(['fsck', '--json'], env);
      expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
      expect(JSON.parse(fsck.stdout).problems).toEqual([]);
    });
  }

  it('a resumable upload whose assembler died is taken over once its lease has run out', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kura-order-'));
    dirs.push(dataDir);
    const env: Record<string, string> = { DATA_DIR: dataDir, NODE_ENV: 'test' };
    if (backend === 'postgres') env.DATABASE_URL = await freshPostgresUrl();
    expect((await kuraCommand(['user', 'add', 'lease', '--password-hash', await testPasswordHash(), '--init'], env)).code).toBe(0);
    const auth = { authorization: `Bearer ${(await kuraCommand(['token', 'create', 'lease'], env)).stdout.trim()}` };
    const data = bytes(400_000, 15);
    const call = (url: string, path: string, init: RequestInit = {}) => fetch(`${url}/api/v1${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
    const put = (url: string, offset: number, part: Buffer) => call(url, `/uploads/lease-1?offset=${offset}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(part) });

    let { proc, url } = await startProcess(env);
    const space = (await json(await call(url, '/spaces'))).spaces[0];
    expect((await call(url, '/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'lease-1', folderId: space.rootId, name: 'lease.bin', length: data.length }) })).status).toBe(201);
    expect((await put(url, 0, data.subarray(0, 200_000))).status).toBe(200);
    proc.kill('SIGTERM');
    await stopped(proc);
    await killedDuring(env, 'resumable:assembling', (u) => put(u, 200_000, data.subarray(200_000)));

    ({ proc, url } = await startProcess(env));
    try {
      // The dead node's claim is still fresh: not done yet, nothing lost.
      const early = await put(url, 200_000, data.subarray(200_000));
      expect(early.status).toBe(200);
      expect((await json(early)).upload).toMatchObject({ state: 'assembling', received: data.length });
      // Its lease runs out (the clock is moved on the row rather than waited for).
      const other = await openCore(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
      try {
        await other.database.db.updateTable('upload_sessions').set({ updated_at: Date.now() - 31_000 }).where('client_key', '=', 'lease-1').execute();
      } finally {
        await other.close();
      }
      const done = await put(url, 200_000, data.subarray(200_000));
      expect(done.status).toBe(201);
      const item = (await json(done)).item;
      expect(item.sha256).toBe(sha256(data));
      const res = await call(url, `/items/${item.id}/content`);
      expect(sha256(await body(res))).toBe(sha256(data));
      const s = (await json(await call(url, `/spaces/${space.id}`)));
      expect(s.usage).toEqual({ bytes: data.length, files: 1, reserved: 0, reservedFiles: 0 });
    } finally {
      proc.kill('SIGTERM');
      await stopped(proc);
    }
  });
});
