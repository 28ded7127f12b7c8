import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isPublicAddress } from '../../src/fetch/addresses.js';
import { fetchSafely } from '../../src/fetch/safe-url.js';
import { backends } from '../helpers/backends.js';
import { bytes, sha256 } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { fails, ok, onServer } from './client.js';

interface TestServer {
  port: number;
  hits: string[];
  server: Server;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.headers.host} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, hits, server };
}

const stop = (s: TestServer) => new Promise<void>((r) => {
  s.server.closeAllConnections();
  s.server.close(() => r());
});

describe('addresses a server-side fetch may reach', () => {
  it('refuses loopback, private, link-local, metadata and reserved addresses in every form', () => {
    const refused = ['127.0.0.1', '127.255.0.9', '0.0.0.0', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '224.0.0.1', '255.255.255.255', '192.0.2.1', '198.18.0.1',
      '::1', '::', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::127.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::', '2002:a9fe:a9fe::1', 'fe80::1', 'fd00:ec2::254', 'fc00::1', 'ff02::1', '2001:db8::1', '2001::1', 'localhost', 'not-an-ip',
      // IPv4-translated (::ffff:0:0/96) carries an IPv4 address too.
      '::ffff:0:127.0.0.1', '::ffff:0:7f00:1', '::ffff:0:a9fe:a9fe', '::ffff:0:10.0.0.1'];
    for (const a of refused) expect(isPublicAddress(a), a).toBe(false);
    for (const a of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1']) expect(isPublicAddress(a), a).toBe(true);
  });

  it('configuration: the allow-list names single endpoints, never ranges or wildcards; local directories are absolute', () => {
    expect(loadConfig({ KURA_URL_UPLOAD_ALLOW: '127.0.0.1:8080, [::1]:9000' }).urlUpload.allow).toEqual(['127.0.0.1:8080', '[::1]:9000']);
    for (const bad of ['*', '0.0.0.0:80', '[::]:80', '127.0.0.0/8', '127.0.0.1', 'localhost:80', '127.0.0.1:0', '127.0.0.1:*', 'http://127.0.0.1:80']) {
      expect(() => loadConfig({ KURA_URL_UPLOAD_ALLOW: bad }), bad).toThrow(/KURA_URL_UPLOAD_ALLOW/);
    }
    expect(loadConfig({}).urlUpload.allow).toEqual([]);
    expect(loadConfig({}).localUploadDirs).toEqual([]);
    expect(() => loadConfig({ KURA_LOCAL_UPLOAD_DIRS: 'relative/dir' })).toThrow(/absolute/);
    expect(() => loadConfig({ KURA_LOCAL_UPLOAD_DIRS: '/' })).toThrow(/root/);
    // Never Kura's own files: the directories may not overlap DATA_DIR either way.
    for (const dirs of ['/srv/kura/data/drop', '/srv/kura', '/srv/kura/data', '/tmp/drop,/srv/kura/data/']) {
      expect(() => loadConfig({ DATA_DIR: '/srv/kura/data', KURA_LOCAL_UPLOAD_DIRS: dirs }), dirs).toThrow(/KURA_LOCAL_UPLOAD_DIRS: .* overlaps DATA_DIR \(\/srv\/kura\/data\)/);
    }
    expect(loadConfig({ DATA_DIR: '/srv/kura/data', KURA_LOCAL_UPLOAD_DIRS: '/srv/kura/data-drop,/srv/drop' }).localUploadDirs).toEqual(['/srv/kura/data-drop', '/srv/drop']);
    expect(() => loadConfig({ KURA_LINK_SECRET: 'short' })).toThrow(/32/);
  });
});

describe('safe URL fetcher with an injected resolver (DNS tricks, no network)', () => {
  let a: TestServer;
  beforeAll(async () => {
    a = await serve((_req, res) => res.end('hello from A'));
  });
  afterAll(() => stop(a));
  const limits = () => ({ maxBytes: 1024, connectTimeoutMs: 2000, timeoutMs: 5000, allow: [`127.0.0.1:${a.port}`] });

  it('connects to the address it checked, resolving once (no rebinding between check and connect)', async () => {
    let calls = 0;
    const resolve = async () => (++calls === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '127.0.0.2', family: 4 }]);
    const r = await fetchSafely(`http://rebind.test:${a.port}/x`, { ...limits(), resolve });
    const chunks: Buffer[] = [];
    for await (const c of r.stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello from A');
    expect(calls).toBe(1);
    expect(a.hits.at(-1)).toBe(`rebind.test:${a.port} /x`);
  });

  it('refuses a name when any of its addresses is not allowed, before connecting', async () => {
    const before = a.hits.length;
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }];
    await expect(fetchSafely(`http://mixed.test:${a.port}/`, { ...limits(), resolve })).rejects.toMatchObject({ code: 'forbidden' });
    const mapped = async () => [{ address: '::ffff:127.0.0.1', family: 6 }];
    await expect(fetchSafely(`http://mapped.test:${a.port}/`, { ...limits(), allow: [], resolve: mapped })).rejects.toMatchObject({ code: 'forbidden' });
    const none = async () => [];
    await expect(fetchSafely(`http://empty.test:${a.port}/`, { ...limits(), resolve: none })).rejects.toMatchObject({ code: 'bad_request' });
    const broken = async () => {
      throw new Error('ENOTFOUND');
    };
    await expect(fetchSafely(`http://nowhere.test:${a.port}/`, { ...limits(), resolve: broken })).rejects.toMatchObject({ code: 'bad_request' });
    expect(a.hits.length).toBe(before);
  });
});

describe.each(backends)('onebot uploads from URLs and local paths (%s)', (backend) => {
  let k: TestKura;
  let plain: TestKura;
  let u: TestUser, v: TestUser;
  let gid: number, gid2: number;
  let a: TestServer, b: TestServer;
  let dir: string, allowed: string, outside: string;
  const data = bytes(20_000, 77);

  const upload = (file: string, extra: Record<string, unknown> = {}) => ok(k, u, 'upload_group_file', { group_id: gid, file, ...extra });
  const refused = async (file: string, kura = k, user = u, group = gid) => (await fails(kura, user, 'upload_group_file', { group_id: group, file, name: 'x' })).retcode;
  const fileCount = async () => (await ok(k, u, 'get_group_file_system_info', { group_id: gid })).file_count as number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kura-onebot-src-'));
    allowed = join(dir, 'allowed');
    outside = join(dir, 'outside');
    await mkdir(join(allowed, 'sub'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(allowed, 'inside.bin'), data);
    await writeFile(join(outside, 'secret.txt'), 'top secret');
    await symlink(join(outside, 'secret.txt'), join(allowed, 'link-out'));
    await symlink(outside, join(allowed, 'dir-out'));
    await symlink(join(allowed, 'inside.bin'), join(allowed, 'link-in'));
    await symlink(join(outside, 'no-such-file'), join(allowed, 'dangling-out'));
    execFileSync('mkfifo', [join(allowed, 'fifo')]);

    b = await serve((_req, res) => res.end('B must never be reached'));
    a = await serve((req, res) => {
      const p = req.url ?? '/';
      if (p === '/file.bin') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="from-url.bin"', 'content-length': data.length });
        return res.end(data);
      }
      if (p === '/plain/name.txt') return res.end('named by path');
      if (p === '/to-self') return res.writeHead(302, { location: '/file.bin' }).end();
      if (p === '/to-b') return res.writeHead(302, { location: `http://127.0.0.1:${b.port}/secret` }).end();
      if (p === '/to-localhost') return res.writeHead(301, { location: `http://localhost:${b.port}/secret` }).end();
      if (p === '/to-decimal') return res.writeHead(307, { location: `http://2130706433:${b.port}/secret` }).end();
      if (p === '/to-mapped') return res.writeHead(308, { location: `http://[::ffff:127.0.0.1]:${b.port}/secret` }).end();
      if (p === '/to-file') return res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      if (p === '/loop') return res.writeHead(302, { location: '/loop' }).end();
      if (p === '/big') {
        res.writeHead(200, { 'content-length': 200_000 });
        return res.end(Buffer.alloc(200_000));
      }
      if (p === '/big-chunked') {
        res.writeHead(200);
        let n = 0;
        const t = setInterval(() => {
          if (n++ > 40 || res.destroyed) return clearInterval(t), res.end();
          res.write(Buffer.alloc(16_384));
        }, 2);
        return;
      }
      if (p === '/slow') {
        res.writeHead(200);
        res.write('a little');
        return; // and never more
      }
      if (p === '/silent') return; // never answers
      res.writeHead(404).end('nope');
    });
    const env = {
      KURA_LOCAL_UPLOAD_DIRS: allowed,
      KURA_URL_UPLOAD_ALLOW: `127.0.0.1:${a.port}`,
      KURA_URL_UPLOAD_MAX_BYTES: '64KiB',
      KURA_URL_UPLOAD_TIMEOUT_SECONDS: '2',
      KURA_URL_UPLOAD_CONNECT_TIMEOUT_SECONDS: '1',
    };
    [k, plain] = await Promise.all([startKura(backend, env), startKura(backend)]);
    u = await k.user();
    v = await plain.user();
    gid = (await k.core.spaces.create({ userId: u.id, role: 'user' }, { kind: 'group', name: 'Sources' })).id;
    gid2 = (await plain.core.spaces.create({ userId: v.id, role: 'user' }, { kind: 'group', name: 'Defaults' })).id;
  });
  afterAll(async () => {
    await Promise.all([k.stop(), plain.stop(), stop(a), stop(b)]);
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads from an allowed local path, plain or file://, and through a link that stays inside', async () => {
    for (const file of [join(allowed, 'inside.bin'), `file://${join(allowed, 'inside.bin')}`, join(allowed, 'link-in'), join(allowed, 'sub', '..', 'inside.bin')]) {
      const { file_id } = await upload(file);
      const url = (await ok(k, u, 'get_group_file_url', { group_id: gid, file_id })).url;
      const got = Buffer.from(await (await fetch(onServer(k, url))).arrayBuffer());
      expect(sha256(got), file).toBe(sha256(data));
    }
    const names = (await ok(k, u, 'get_group_root_files', { group_id: gid })).files.map((f: { file_name: string }) => f.file_name);
    expect(names).toEqual(expect.arrayContaining(['inside.bin', 'inside (1).bin', 'link-in']));
  });

  it('refuses path escapes (.., symlinks to files and folders outside), other paths, and everything by default', async () => {
    const before = await fileCount();
    expect(await refused(join(allowed, '..', 'outside', 'secret.txt'))).toBe(1403);
    expect(await refused(`${allowed}/../outside/secret.txt`)).toBe(1403);
    expect(await refused(`file://${allowed}/%2e%2e/outside/secret.txt`)).toBe(1403);
    expect(await refused(join(allowed, 'link-out'))).toBe(1403);
    expect(await refused(join(allowed, 'dir-out', 'secret.txt'))).toBe(1403);
    // Through a link out, a missing path answers as an existing one: nothing tells what exists outside.
    expect(await refused(join(allowed, 'dir-out', 'no-such-file'))).toBe(1403);
    expect(await refused(join(allowed, 'dir-out', 'no-such-dir', 'x'))).toBe(1403);
    expect(await refused(join(allowed, 'dangling-out'))).toBe(1403);
    expect(await refused(`${allowed}-evil/x`)).toBe(1403);
    expect(await refused('/etc/passwd')).toBe(1403);
    expect(await refused('relative/inside.bin')).toBe(1400);
    expect(await refused(join(allowed, 'missing.bin'))).toBe(1404);
    expect(await refused(join(allowed, 'sub'))).toBe(1400);
    expect(await refused(join(allowed, 'fifo'))).toBe(1400);
    expect(await refused(`${join(allowed, 'inside.bin')}\0.txt`)).toBe(1400);
    // Without KURA_LOCAL_UPLOAD_DIRS no local path is read, not even a real one.
    expect(await refused(join(allowed, 'inside.bin'), plain, v, gid2)).toBe(1403);
    expect(await refused(`file://${join(allowed, 'inside.bin')}`, plain, v, gid2)).toBe(1403);
    expect(await fileCount()).toBe(before);
  });

  it('uploads from an allowed URL, following redirects, named by Content-Disposition or the path', async () => {
    const one = await upload(`http://127.0.0.1:${a.port}/file.bin`);
    const two = await upload(`http://127.0.0.1:${a.port}/to-self`, { name: 'renamed.bin' });
    await upload(`http://127.0.0.1:${a.port}/plain/name.txt`);
    const files = (await ok(k, u, 'get_group_root_files', { group_id: gid })).files as { file_id: string; file_name: string; file_size: number }[];
    expect(files.find((f) => f.file_id === one.file_id)).toMatchObject({ file_name: 'from-url.bin', file_size: data.length });
    expect(files.find((f) => f.file_id === two.file_id)).toMatchObject({ file_name: 'renamed.bin', file_size: data.length });
    expect(files.map((f) => f.file_name)).toContain('name.txt');
  });

  it('refuses SSRF: loopback in every notation, names resolving to it, redirects into it; the target never sees a request', async () => {
    const before = await fileCount();
    const p = b.port;
    const direct = [
      `http://127.0.0.1:${p}/secret`,
      `http://localhost:${p}/secret`,
      `http://2130706433:${p}/secret`,
      `http://0177.0.0.1:${p}/secret`,
      `http://0x7f.0.0.1:${p}/secret`,
      `http://0x7f000001:${p}/secret`,
      `http://127.1:${p}/secret`,
      `http://[::ffff:127.0.0.1]:${p}/secret`,
      `http://[::ffff:7f00:1]:${p}/secret`,
      `http://[::1]:${p}/secret`,
      `http://0.0.0.0:${p}/secret`,
      `http://[::]:${p}/secret`,
      // Another port on the allowed address is not allowed.
      `http://127.0.0.1:${p}/`,
    ];
    for (const url of direct) expect(await refused(url), url).toBe(1403);
    for (const path of ['/to-b', '/to-localhost', '/to-decimal', '/to-mapped', '/to-file']) expect(await refused(`http://127.0.0.1:${a.port}${path}`), path).toBe(1403);
    expect(b.hits).toEqual([]);
    // The allow-list is off by default: the same allowed server is refused there.
    expect(await refused(`http://127.0.0.1:${a.port}/file.bin`, plain, v, gid2)).toBe(1403);
    expect(await refused(`http://user:pw@127.0.0.1:${a.port}/file.bin`)).toBe(1403);
    expect(await fileCount()).toBe(before);
  });

  it('limits size and time, and reports sources that fail', async () => {
    const before = await fileCount();
    expect(await refused(`http://127.0.0.1:${a.port}/big`)).toBe(1413);
    expect(await refused(`http://127.0.0.1:${a.port}/big-chunked`)).toBe(1413);
    const slow = await fails(k, u, 'upload_group_file', { group_id: gid, file: `http://127.0.0.1:${a.port}/slow`, name: 'x' });
    expect(slow).toMatchObject({ retcode: 1400, message: expect.stringMatching(/too long/) });
    const silent = await fails(k, u, 'upload_group_file', { group_id: gid, file: `http://127.0.0.1:${a.port}/silent`, name: 'x' });
    expect(silent).toMatchObject({ retcode: 1400, message: expect.stringMatching(/no answer in time/) });
    expect(await refused(`http://127.0.0.1:${a.port}/missing`)).toBe(1400);
    expect(await refused(`http://127.0.0.1:${a.port}/loop`)).toBe(1400);
    expect(await refused('http://[not-a-host/')).toBe(1400);
    expect(await fileCount()).toBe(before);
  });

  it('checks the caller may upload before touching the source', async () => {
    const viewer = await k.user();
    await k.core.spaces.setMember({ userId: u.id, role: 'user' }, gid, viewer.id, 'viewer');
    const hits = a.hits.length;
    expect((await fails(k, viewer, 'upload_group_file', { group_id: gid, file: `http://127.0.0.1:${a.port}/file.bin`, name: 'x' })).retcode).toBe(1403);
    expect(a.hits.length).toBe(hits);
  });
});
