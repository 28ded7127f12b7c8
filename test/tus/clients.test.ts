import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Uppy from '@uppy/core';
import Tus from '@uppy/tus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { startProcess } from '../helpers/process.js';
import { kuraCommand } from '../helpers/cli.js';
import { clientUpload } from '../helpers/tus.js';
import { testPasswordHash } from '../helpers/password.js';

const content = async (base: string, auth: Record<string, string>, id: number) => body(await fetch(`${base}/api/v1/items/${id}/content`, { headers: auth }));

/** A free loopback port (the server that restarts must come back where the client left it). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe.each(backends)('tus clients (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let endpoint: string;

  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    endpoint = `${k.url}/api/v1/tus/`;
  });
  afterAll(() => k?.stop());

  it('tus-js-client uploads in chunks into the named folder; the last answer names the file', async () => {
    const data = bytes(2_500_000, 21);
    const r = await clientUpload(endpoint, u.token, data, { chunkSize: 512 * 1024, metadata: { filename: 'client.bin', filetype: 'application/octet-stream', parent: String(u.rootId) } });
    expect(r.itemId).toBeGreaterThan(0);
    expect(sha256(await content(k.url, u.auth, r.itemId))).toBe(sha256(data));
    const item = await json(await fetch(`${k.url}/api/v1/items/${r.itemId}`, { headers: u.auth }));
    expect(item).toMatchObject({ name: 'client.bin', parentId: u.rootId, size: data.length });
  });

  it('tus-js-client sends a Node stream of unknown length (creation-defer-length)', async () => {
    const data = bytes(700_000, 22);
    const { Readable } = await import('node:stream');
    const stream = Readable.from([data.subarray(0, 300_000), data.subarray(300_000)]);
    const r = await clientUpload(endpoint, u.token, stream, { chunkSize: 256 * 1024, uploadLengthDeferred: true, metadata: { filename: 'streamed.bin' } });
    expect(sha256(await content(k.url, u.auth, r.itemId))).toBe(sha256(data));
  });

  it('tus-js-client parallel uploads: partial uploads at once, then the final one', async () => {
    const data = bytes(3_000_001, 23);
    const r = await clientUpload(endpoint, u.token, data, { parallelUploads: 3, chunkSize: 400_000, metadata: { filename: 'parallel.bin', parent: String(u.rootId) } });
    expect(r.itemId).toBeGreaterThan(0);
    expect(sha256(await content(k.url, u.auth, r.itemId))).toBe(sha256(data));
    const head = await fetch(r.url, { method: 'HEAD', headers: { ...u.auth, 'tus-resumable': '1.0.0' } });
    expect(head.headers.get('upload-concat')).toMatch(/^final;(\/api\/v1\/tus\/[0-9a-f]{32} ?){3}$/);
  });

  it("Uppy's tus plugin uploads files with their metadata", async () => {
    const a = bytes(1_200_000, 24);
    const b = Buffer.from('%PDF-1.4\n% a small pdf-like text\n');
    const ids: number[] = [];
    const uppy = new Uppy({ autoProceed: false }).use(Tus, {
      endpoint,
      headers: { authorization: `Bearer ${u.token}` },
      chunkSize: 300_000,
      // Uppy sends every meta field (name and type also as tusd's filename and filetype).
      onAfterResponse: (_req, res) => {
        const id = res.getHeader('Kura-Item-Id');
        if (id) ids.push(Number(id));
      },
    });
    // In Node, tus-js-client reads Buffers (the browser build reads Blobs/Files).
    uppy.addFile({ name: 'uppy-a.bin', type: 'application/octet-stream', data: a as unknown as Blob, meta: { parent: String(u.rootId) } });
    uppy.addFile({ name: 'uppy-b.pdf', type: 'application/pdf', data: b as unknown as Blob, meta: { parent: String(u.rootId) } });
    const res = await uppy.upload();
    expect(res?.failed ?? []).toHaveLength(0);
    expect(res?.successful).toHaveLength(2);
    expect(ids).toHaveLength(2);
    const items = await Promise.all(ids.map(async (id) => json(await fetch(`${k.url}/api/v1/items/${id}`, { headers: u.auth }))));
    const byName = Object.fromEntries(items.map((i) => [i.name, i]));
    expect(byName['uppy-a.bin'].size).toBe(a.length);
    expect(byName['uppy-b.pdf'].mime).toBe('application/pdf');
    expect(sha256(await content(k.url, u.auth, byName['uppy-a.bin'].id))).toBe(sha256(a));
  });

  it('tus-js-client resumes after a dropped connection, from the bytes already received', async () => {
    const data = bytes(2_000_000, 25);
    // A proxy that cuts the first connection once 700 kB of request bytes went through.
    let cut = false;
    const target = new URL(k.url);
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      let seen = 0;
      client.on('data', (d) => {
        seen += d.length;
        if (!cut && seen > 700_000) {
          cut = true;
          client.destroy();
          upstream.destroy();
          return;
        }
        upstream.write(d);
      });
      upstream.on('data', (d) => client.write(d));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const offsets: number[] = [];
    try {
      const r = await clientUpload(`http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/api/v1/tus/`, u.token, data, {
        chunkSize: 256 * 1024,
        metadata: { filename: 'dropped.bin' },
        onBeforeRequest: (req) => {
          if (req.getMethod() === 'PATCH') offsets.push(Number(req.getHeader('Upload-Offset')));
        },
      });
      expect(cut).toBe(true);
      expect(sha256(await content(k.url, u.auth, r.itemId))).toBe(sha256(data));
      // One chunk was sent twice (the one cut off); the upload never went back to 0.
      expect(offsets.filter((o) => o === 0)).toHaveLength(1);
      expect(offsets.length).toBe(Math.ceil(data.length / (256 * 1024)) + 1);
    } finally {
      proxy.close();
    }
  });
});

describe('tus-js-client and a killed server', () => {
  const dirs: string[] = [];
  let proc: ChildProcess | undefined;
  afterAll(async () => {
    proc?.kill('SIGKILL');
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('resumes after `kura serve` is killed (SIGKILL) and started again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kura-tus-kill-'));
    dirs.push(dir);
    const env = { DATA_DIR: dir };
    expect((await kuraCommand(['user', 'add', 'killed', '--password-hash', await testPasswordHash(), '--init', '--json'], env)).code).toBe(0);
    const token = (await kuraCommand(['token', 'create', 'killed'], env)).stdout.trim();
    const port = await freePort();
    proc = (await startProcess(env, port)).proc;
    const base = `http://127.0.0.1:${port}`;
    const data = bytes(4_000_000, 26);
    const offsets: number[] = [];
    let killed = false;
    let restarted: Promise<void> | undefined;
    const r = await clientUpload(`${base}/api/v1/tus/`, token, data, {
      chunkSize: 256 * 1024,
      metadata: { filename: 'survivor.bin' },
      retryDelays: Array(30).fill(1000),
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') offsets.push(Number(req.getHeader('Upload-Offset')));
      },
      onChunkComplete: (_size, sent) => {
        if (killed || sent < 1_000_000) return;
        killed = true;
        const old = proc!;
        restarted = (async () => {
          const gone = new Promise((res) => old.once('exit', res));
          old.kill('SIGKILL');
          await gone;
          proc = (await startProcess(env, port)).proc;
        })();
      },
    });
    await restarted;
    expect(killed).toBe(true);
    const auth = { authorization: `Bearer ${token}` };
    expect(sha256(await content(base, auth, r.itemId))).toBe(sha256(data));
    // After the restart the client went on from where the server had got to, not from 0.
    expect(offsets.filter((o) => o === 0)).toHaveLength(1);
  }, 120_000);
});
