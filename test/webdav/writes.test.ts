import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { body } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { TEST_PASSWORD } from '../helpers/password.js';

const basicAuth = (username: string, secret = TEST_PASSWORD) => ({ Authorization: `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}` });

describe.each(backends)('WebDAV writes: PUT, MKCOL, DELETE, COPY, MOVE (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let actor: Actor;
  let base: string;
  let auth: Record<string, string>;
  const dav = (path: string, method: string, headers: Record<string, string> = {}, data?: string | Buffer) =>
    fetch(`${base}${path}`, { method, headers: { ...auth, ...headers }, body: data === undefined ? undefined : new Uint8Array(Buffer.from(data)) });
  const get = async (path: string) => {
    const res = await dav(path, 'GET');
    return res.status === 200 ? (await body(res)).toString() : res.status;
  };
  const itemAt = (path: string) => k.core.paths.resolve(actor, u.spaceId, path);

  beforeAll(async () => {
    k = await startKura(backend, { UPLOAD_MAX_BYTES: '64KiB' });
    u = await k.user();
    actor = { userId: u.id, role: 'user' };
    auth = basicAuth(u.username);
    base = `${k.url}/dav/${encodeURIComponent(u.username)}`;
  });
  afterAll(() => k?.stop());

  it('PUT makes a file (201), then a new version of it (204, same id, ETag); conditions and Content-Range are judged first', async () => {
    const made = await dav('/notes.txt', 'PUT', {}, 'one');
    expect(made.status).toBe(201);
    const first = await itemAt('/notes.txt');
    expect(made.headers.get('etag')).toBe(`"${first.sha256}"`);
    const again = await dav('/notes.txt', 'PUT', {}, 'two');
    expect(again.status).toBe(204);
    const second = await itemAt('/notes.txt');
    expect(second.id).toBe(first.id);
    expect(second.version).toBe(2);
    expect(await get('/notes.txt')).toBe('two');
    expect((await dav('/notes.txt', 'PUT', { 'If-None-Match': '*' }, 'three')).status).toBe(412);
    expect((await dav('/notes.txt', 'PUT', { 'If-Match': '"not-the-etag"' }, 'three')).status).toBe(412);
    expect((await dav('/notes.txt', 'PUT', { 'If-Match': `"${second.sha256}"` }, 'three')).status).toBe(204);
    expect((await dav('/notes.txt', 'PUT', { 'Content-Range': 'bytes 0-2/10' }, 'xyz')).status).toBe(400);
    expect(await get('/notes.txt')).toBe('three');
    // An empty file, a name with spaces and Unicode, a body sent chunked.
    expect((await dav('/empty.txt', 'PUT', {}, '')).status).toBe(201);
    expect(await get('/empty.txt')).toBe('');
    const chunked = await fetch(`${base}/${encodeURIComponent('naïve résumé.txt')}`, {
      method: 'PUT',
      headers: { ...auth, 'X-Expected-Entity-Length': '5' },
      body: new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('hello')), c.close()) }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(201);
    expect((await itemAt('/naïve résumé.txt')).size).toBe(5);
  });

  it('refuses before reading: too large, a missing parent (409), a collection (405), a bad name (400 naming the rule); nothing is kept', async () => {
    const big = Buffer.alloc(65 * 1024, 1);
    expect((await dav('/big.bin', 'PUT', {}, big)).status).toBe(413);
    expect((await dav('/big.bin', 'PUT', { 'X-Expected-Entity-Length': String(1 << 30) }, 'x')).status).toBe(413);
    expect((await dav('/no/such/folder/a.txt', 'PUT', {}, 'a')).status).toBe(409);
    await dav('/folder', 'MKCOL');
    const onFolder = await dav('/folder', 'PUT', {}, 'a');
    expect(onFolder.status).toBe(405);
    const badName = await dav('/bad%01name.txt', 'PUT', {}, 'a');
    expect(badName.status).toBe(400);
    expect(await badName.text()).toMatch(/path segment 1/);
    for (const p of ['/big.bin', '/no', '/bad\u0001name.txt']) await expect(itemAt(p)).rejects.toMatchObject({ code: expect.stringMatching(/not_found|bad_request/) });
    // The list of spaces and a space root are not places to write.
    expect((await fetch(`${k.url}/dav/x.txt`, { method: 'PUT', headers: auth, body: 'a' })).status).toBe(403);
  });

  it('MKCOL makes a folder (201); again is 405, with a body 415, under a missing parent 409', async () => {
    expect((await dav('/made', 'MKCOL')).status).toBe(201);
    expect((await itemAt('/made')).kind).toBe('folder');
    expect((await dav('/made', 'MKCOL')).status).toBe(405);
    expect((await dav('/notes.txt', 'MKCOL')).status).toBe(405);
    expect((await dav('/with-body', 'MKCOL', { 'Content-Type': 'application/xml' }, '<x/>')).status).toBe(415);
    await expect(itemAt('/with-body')).rejects.toMatchObject({ code: 'not_found' });
    expect((await dav('/missing/child', 'MKCOL')).status).toBe(409);
  });

  it('DELETE sends a file or a folder to the trash (204); then it is 404; a space root is refused', async () => {
    await dav('/doomed', 'MKCOL');
    await dav('/doomed/inner.txt', 'PUT', {}, 'bye');
    expect((await dav('/doomed', 'DELETE')).status).toBe(204);
    expect((await dav('/doomed/inner.txt', 'GET')).status).toBe(404);
    expect((await dav('/doomed', 'DELETE')).status).toBe(404);
    const trash = await k.core.trash.list(actor, u.spaceId);
    expect(JSON.stringify(trash)).toContain('doomed');
    expect((await dav('/', 'DELETE')).status).toBe(403);
  });

  it('COPY and MOVE: new (201), onto a file as its new version (204, same id), onto a folder, Overwrite F (412), Depth, foreign Destination (502)', async () => {
    const dest = (p: string) => ({ Destination: `${base}${p}` });
    await dav('/src.txt', 'PUT', {}, 'source');
    expect((await dav('/src.txt', 'COPY', dest('/copy.txt'))).status).toBe(201);
    expect(await get('/copy.txt')).toBe('source');
    await dav('/target.txt', 'PUT', {}, 'old target');
    const target = await itemAt('/target.txt');
    expect((await dav('/src.txt', 'COPY', { ...dest('/target.txt'), Overwrite: 'F' })).status).toBe(412);
    expect(await get('/target.txt')).toBe('old target');
    expect((await dav('/src.txt', 'MOVE', dest('/target.txt'))).status).toBe(204);
    const replaced = await itemAt('/target.txt');
    expect(replaced.id).toBe(target.id);
    expect(replaced.version).toBe(2);
    expect(await get('/target.txt')).toBe('source');
    expect((await dav('/src.txt', 'GET')).status).toBe(404);

    await dav('/tree', 'MKCOL');
    await dav('/tree/leaf.txt', 'PUT', {}, 'leaf');
    expect((await dav('/tree', 'COPY', dest('/tree-copy'))).status).toBe(201);
    expect(await get('/tree-copy/leaf.txt')).toBe('leaf');
    expect((await dav('/tree', 'COPY', { ...dest('/tree-shell'), Depth: '0' })).status).toBe(201);
    expect((await dav('/tree-shell/leaf.txt', 'GET')).status).toBe(404);
    // A folder onto an existing folder: the old one goes to the trash.
    expect((await dav('/tree', 'MOVE', dest('/tree-copy'))).status).toBe(204);
    expect(await get('/tree-copy/leaf.txt')).toBe('leaf');
    expect((await dav('/tree', 'PROPFIND', { Depth: '0' })).status).toBe(404);

    expect((await dav('/tree-copy', 'MOVE', { ...dest('/moved'), Depth: '0' })).status).toBe(400);
    expect((await dav('/copy.txt', 'MOVE')).status).toBe(400);
    expect((await dav('/copy.txt', 'MOVE', { Destination: 'http://elsewhere.example/dav/x/y.txt' })).status).toBe(502);
    expect((await dav('/copy.txt', 'MOVE', { Destination: `${k.url}/api/v1/items` })).status).toBe(502);
    expect((await dav('/copy.txt', 'MOVE', dest('/copy.txt'))).status).toBe(403);
    expect((await dav('/copy.txt', 'MOVE', dest('/nowhere/copy.txt'))).status).toBe(409);
    // A path-only Destination is this server.
    expect((await dav('/copy.txt', 'MOVE', { Destination: `/dav/${encodeURIComponent(u.username)}/renamed.txt` })).status).toBe(201);
    expect(await get('/renamed.txt')).toBe('source');
  });

  it('writes go through the core rules: a viewer and a read-only token are 403, a full quota 507, nothing changes', async () => {
    const viewer = await k.user();
    const group = await k.core.spaces.create(actor, { kind: 'group', name: `Shared-${backend}` });
    await k.core.spaces.setMember(actor, group.id, viewer.id, 'viewer');
    const groupUrl = `${k.url}/dav/${encodeURIComponent(`Shared-${backend}`)}`;
    expect((await fetch(`${groupUrl}/mine.txt`, { method: 'PUT', headers: auth, body: 'x' })).status).toBe(201);
    const asViewer = basicAuth(viewer.username);
    expect((await fetch(`${groupUrl}/v.txt`, { method: 'PUT', headers: asViewer, body: 'x' })).status).toBe(403);
    expect((await fetch(`${groupUrl}/mine.txt`, { method: 'DELETE', headers: asViewer })).status).toBe(403);
    expect((await fetch(`${groupUrl}/d`, { method: 'MKCOL', headers: asViewer })).status).toBe(403);

    const { token } = await k.core.tokens.create(u.id, { readOnly: true, by: actor });
    const readOnly = basicAuth(u.username, token);
    expect((await dav('/ro.txt', 'PUT', readOnly, 'x')).status).toBe(403);
    expect((await dav('/notes.txt', 'DELETE', readOnly)).status).toBe(403);
    expect((await dav('/notes.txt', 'GET', readOnly)).status).toBe(200);

    const admin = await k.user(undefined, { admin: true });
    const space = await k.core.spaces.get(actor, u.spaceId);
    await k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, u.spaceId, { bytes: space.usage.bytes + 1 });
    const full = await dav('/full.bin', 'PUT', {}, Buffer.alloc(1000, 7));
    expect(full.status).toBe(507);
    await expect(itemAt('/full.bin')).rejects.toMatchObject({ code: 'not_found' });
    expect((await dav('/tree-copy', 'COPY', { Destination: `${base}/tree-copy-2` })).status).toBe(507);
    await k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, u.spaceId, { bytes: null });
  });
});
