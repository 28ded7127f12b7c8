import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256, upload, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe.each(backends)('native items (%s)', (backend) => {
  let k: TestKura;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    k = await startKura(backend, { UPLOAD_MAX_BYTES: '2MiB' });
    alice = await k.user();
    bob = await k.user();
  });
  afterAll(() => k.stop());

  const api = (path: string, init: RequestInit & { auth?: Record<string, string> } = {}) =>
    fetch(`${k.url}/api/v1${path}`, { ...init, headers: { ...(init.auth ?? alice.auth), ...(init.headers as Record<string, string>) } });
  const jsonCall = (method: string, path: string, b: unknown, auth = alice.auth) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(b) });
  const mkdir = async (parent: number, name: string) => (await json(await jsonCall('POST', `/items/${parent}/children`, { name, kind: 'folder' }))).items[0];

  it('round-trips bytes exactly, with size, SHA-256 and a sniffed type', async () => {
    const data = bytes(1_500_000, 7);
    const item = await uploadOne(k.url, alice.auth, alice.rootId, 'blob.bin', data);
    expect(item).toMatchObject({ name: 'blob.bin', size: data.length, sha256: sha256(data), version: 1, parentId: alice.rootId });
    const res = await api(`/items/${item.id}/content`);
    expect(res.status).toBe(200);
    const got = await body(res);
    expect(sha256(got)).toBe(sha256(data));
    expect(res.headers.get('content-length')).toBe(String(data.length));
    expect(res.headers.get('etag')).toBe(`"${sha256(data)}"`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sniffs the type from content, not from the client', async () => {
    const res = await upload(k.url, alice.auth, alice.rootId, [{ name: 'photo.txt', data: PNG_1PX, type: 'text/plain' }]);
    const item = (await json(res)).items[0];
    expect(item.mime).toBe('image/png');
    const txt = await uploadOne(k.url, alice.auth, alice.rootId, 'notes.md', '# hello');
    expect(txt.mime).toBe('text/markdown');
    const fake = await uploadOne(k.url, alice.auth, alice.rootId, 'fake.png', 'not an image at all');
    expect(fake.mime).toBe('text/plain');
  });

  it('serves active types as attachments with a restrictive CSP', async () => {
    for (const [name, data] of [
      ['page.html', '<!doctype html><script>alert(1)</script>'],
      ['pic.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
      ['x.txt', '<html><body>hi</body></html>'],
    ]) {
      const item = await uploadOne(k.url, alice.auth, alice.rootId, name, data);
      const res = await api(`/items/${item.id}/content`);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const plain = await uploadOne(k.url, alice.auth, alice.rootId, 'plain.txt', 'just text');
    expect((await api(`/items/${plain.id}/content`)).headers.get('content-disposition')).toMatch(/^inline/);
  });

  it('uploads several files in one request, all or nothing', async () => {
    const folder = await mkdir(alice.rootId, 'multi');
    const res = await upload(k.url, alice.auth, folder.id, [
      { name: 'a.txt', data: 'A' },
      { name: 'b.txt', data: 'BB' },
    ]);
    expect(res.status).toBe(201);
    expect((await json(res)).items.map((i: { name: string }) => i.name)).toEqual(['a.txt', 'b.txt']);
    // The second name clashes: nothing of this request is kept.
    const clash = await upload(k.url, alice.auth, folder.id, [
      { name: 'c.txt', data: 'C' },
      { name: 'a.txt', data: 'again' },
    ]);
    expect(clash.status).toBe(409);
    const list = await json(await api(`/items/${folder.id}/children`));
    expect(list.items.map((i: { name: string }) => i.name).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('applies the rename and version policies on a name clash', async () => {
    const folder = await mkdir(alice.rootId, 'policies');
    await uploadOne(k.url, alice.auth, folder.id, 'r.txt', 'one');
    const renamed = (await json(await upload(k.url, alice.auth, folder.id, [{ name: 'r.txt', data: 'two' }], '?onConflict=rename'))).items[0];
    expect(renamed.name).toBe('r (1).txt');
    const versioned = (await json(await upload(k.url, alice.auth, folder.id, [{ name: 'r.txt', data: 'three' }], '?onConflict=version'))).items[0];
    expect(versioned).toMatchObject({ name: 'r.txt', version: 2, size: 5 });
    expect((await upload(k.url, alice.auth, folder.id, [{ name: 'r.txt', data: 'x' }], '?onConflict=maybe')).status).toBe(400);
  });

  it('refuses bad names with 400 and keeps nothing', async () => {
    const folder = await mkdir(alice.rootId, 'names');
    for (const name of ['..', '.', 'x'.repeat(256), ' lead', 'ctl\u0001x']) {
      const res = await upload(k.url, alice.auth, folder.id, [{ name, data: 'x' }]);
      expect(res.status, name).toBe(400);
    }
    for (const name of ['', 'a/b', '..', 'x'.repeat(256)]) {
      expect((await jsonCall('POST', `/items/${folder.id}/children`, { name, kind: 'folder' })).status, name).toBe(400);
    }
    expect((await json(await api(`/items/${folder.id}/children`))).total).toBe(0);
    // A multipart filename with directories keeps only its last part (RFC 7578 §4.2).
    expect((await uploadOne(k.url, alice.auth, folder.id, 'C:\\Users\\me\\a.txt', 'x')).name).toBe('a.txt');
    // Unicode names are fine and kept exactly (NFC).
    const ok = await uploadOne(k.url, alice.auth, folder.id, '报告 ü.txt', 'x');
    expect(ok.name).toBe('报告 ü.txt');
  });

  it('answers Range requests: single, open-ended, suffix, and 416', async () => {
    const data = bytes(10_000, 3);
    const item = await uploadOne(k.url, alice.auth, alice.rootId, 'range.bin', data);
    const r1 = await api(`/items/${item.id}/content`, { headers: { range: 'bytes=100-199' } });
    expect(r1.status).toBe(206);
    expect(r1.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect((await body(r1)).equals(data.subarray(100, 200))).toBe(true);
    const r2 = await api(`/items/${item.id}/content`, { headers: { range: 'bytes=9990-' } });
    expect((await body(r2)).equals(data.subarray(9990))).toBe(true);
    const r3 = await api(`/items/${item.id}/content`, { headers: { range: 'bytes=-500' } });
    expect(r3.status).toBe(206);
    expect((await body(r3)).equals(data.subarray(9500))).toBe(true);
    const r4 = await api(`/items/${item.id}/content`, { headers: { range: 'bytes=20000-30000' } });
    expect(r4.status).toBe(416);
    expect(r4.headers.get('content-range')).toBe('bytes */10000');
    expect((await json(r4)).error.code).toBe('range_not_satisfiable');
    // Large file from the store (not the small-content cache).
    const big = bytes(1_200_000, 9);
    const bigItem = await uploadOne(k.url, alice.auth, alice.rootId, 'range-big.bin', big);
    const r5 = await api(`/items/${bigItem.id}/content`, { headers: { range: 'bytes=1000000-1000099' } });
    expect((await body(r5)).equals(big.subarray(1_000_000, 1_000_100))).toBe(true);
  });

  it('answers 304 to If-None-Match and If-Modified-Since, and HEAD without a body', async () => {
    const item = await uploadOne(k.url, alice.auth, alice.rootId, 'cond.txt', 'conditional');
    const first = await api(`/items/${item.id}/content`);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect((await api(`/items/${item.id}/content`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await api(`/items/${item.id}/content`, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect((await api(`/items/${item.id}/content`, { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect((await api(`/items/${item.id}/content`, { headers: { 'if-modified-since': new Date(Date.parse(lastModified) - 60_000).toUTCString() } })).status).toBe(200);
    const head = await api(`/items/${item.id}/content`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('11');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('lists children with paging and sorting, folders first', async () => {
    const folder = await mkdir(alice.rootId, 'listing');
    await mkdir(folder.id, 'zz-folder');
    for (const [n, d] of [['b.txt', 'bb'], ['a.txt', 'aaaa'], ['c.txt', 'c']]) await uploadOne(k.url, alice.auth, folder.id, n, d);
    const all = await json(await api(`/items/${folder.id}/children`));
    expect(all.total).toBe(4);
    expect(all.items.map((i: { name: string }) => i.name)).toEqual(['zz-folder', 'a.txt', 'b.txt', 'c.txt']);
    const bySize = await json(await api(`/items/${folder.id}/children?sort=size&order=desc&kind=file`));
    expect(bySize.items.map((i: { name: string }) => i.name)).toEqual(['a.txt', 'b.txt', 'c.txt']);
    const page = await json(await api(`/items/${folder.id}/children?limit=2&offset=1`));
    expect(page).toMatchObject({ total: 4, limit: 2, offset: 1 });
    expect(page.items.map((i: { name: string }) => i.name)).toEqual(['a.txt', 'b.txt']);
    for (const q of ['limit=0', 'limit=5000', 'sort=colour', 'order=up', 'offset=-1', 'limit=abc']) {
      const res = await api(`/items/${folder.id}/children?${q}`);
      expect(res.status, q).toBe(400);
    }
    const file = all.items[1];
    expect((await api(`/items/${file.id}/children`)).status).toBe(400);
  });

  it('filters children with q, in SQL, on every backend', async () => {
    const folder = await mkdir(alice.rootId, 'filtering');
    await mkdir(folder.id, 'Sub');
    for (const [n, d] of [['a.pdf', 'x'.repeat(10)], ['B.PDF', 'x'.repeat(500)], ['c.txt', 'x'.repeat(1000)], ['50%_off.txt', 'y']]) await uploadOne(k.url, alice.auth, folder.id, n, d);
    const names = async (q: string) => {
      const res = await api(`/items/${folder.id}/children?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      const b = await json(res);
      expect(b.total).toBe(b.items.length);
      return b.items.map((i: { name: string }) => i.name);
    };
    expect(await names('name==*.pdf')).toEqual(['a.pdf', 'B.PDF']);
    expect(await names('size=ge=500;isFolder==false')).toEqual(['B.PDF', 'c.txt']);
    expect(await names('isFolder==true,name==c*')).toEqual(['Sub', 'c.txt']);
    expect(await names('name=in=(a.pdf,c.txt)')).toEqual(['a.pdf', 'c.txt']);
    expect(await names('name==50%_*')).toEqual(['50%_off.txt']); // % and _ are literal
    expect(await names(`name=="a.pdf' or '1'='1"`)).toEqual([]); // values are bound, never spliced
    expect((await api(`/items/${folder.id}/children?q=${encodeURIComponent("name=='x' or 1=1")}`)).status).toBe(400);
    const bad = await api(`/items/${folder.id}/children?q=${encodeURIComponent('name==a;(size=gt=3')}`);
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.message).toMatch(/position/);
    expect((await api(`/items/${folder.id}/children?q=colour==red`)).status).toBe(400);
  });

  it('renames, moves and copies; copy stores no new bytes', async () => {
    const src = await mkdir(alice.rootId, 'src');
    const dst = await mkdir(alice.rootId, 'dst');
    const data = bytes(50_000, 11);
    const f = await uploadOne(k.url, alice.auth, src.id, 'doc.bin', data);
    const renamed = await json(await jsonCall('PATCH', `/items/${f.id}`, { name: 'renamed.bin', description: 'a doc', properties: { color: 'red' } }));
    expect(renamed).toMatchObject({ name: 'renamed.bin', description: 'a doc', properties: { color: 'red' } });
    const moved = await json(await jsonCall('POST', `/items/${f.id}/move`, { parentId: dst.id }));
    expect(moved.parentId).toBe(dst.id);
    expect((await json(await api(`/items/${src.id}/children`))).total).toBe(0);
    const blobsBefore = Number((await k.core.database.db.selectFrom('blobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const copyRes = await jsonCall('POST', `/items/${f.id}/copy`, { parentId: src.id, name: 'copy.bin' });
    expect(copyRes.status).toBe(201);
    const copy = await json(copyRes);
    expect(copy).toMatchObject({ name: 'copy.bin', sha256: sha256(data), size: data.length, version: 1 });
    expect(copy.id).not.toBe(f.id);
    const blobsAfter = Number((await k.core.database.db.selectFrom('blobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(blobsAfter).toBe(blobsBefore);
    expect(sha256(await body(await api(`/items/${copy.id}/content`)))).toBe(sha256(data));
    // Folder copy copies the tree; moving a folder inside itself is refused.
    const tree = await mkdir(alice.rootId, 'tree');
    const sub = await mkdir(tree.id, 'sub');
    await uploadOne(k.url, alice.auth, sub.id, 'leaf.txt', 'leaf');
    const treeCopy = await json(await jsonCall('POST', `/items/${tree.id}/copy`, { parentId: dst.id }));
    const subCopy = (await json(await api(`/items/${treeCopy.id}/children`))).items[0];
    expect(subCopy.name).toBe('sub');
    const leafCopy = (await json(await api(`/items/${subCopy.id}/children`))).items[0];
    expect(await (await api(`/items/${leafCopy.id}/content`)).text()).toBe('leaf');
    expect((await jsonCall('POST', `/items/${tree.id}/move`, { parentId: sub.id })).status).toBe(409);
    expect((await jsonCall('POST', `/items/${tree.id}/move`, { parentId: tree.id })).status).toBe(409);
    // Name clash on move is 409; on rename too.
    await uploadOne(k.url, alice.auth, dst.id, 'taken.bin', 'x');
    expect((await jsonCall('POST', `/items/${f.id}/move`, { parentId: dst.id, name: 'taken.bin' })).status).toBe(409);
    expect((await jsonCall('PATCH', `/items/${f.id}`, { name: 'taken.bin' })).status).toBe(409);
    expect((await jsonCall('PATCH', `/items/${f.id}`, { name: 'bad/name' })).status).toBe(400);
    expect((await jsonCall('PATCH', `/items/${f.id}`, { colour: 'x' })).status).toBe(400);
  });

  it('adds versions, lists them and serves each', async () => {
    const f = await uploadOne(k.url, alice.auth, alice.rootId, 'versioned.txt', 'version one');
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('version two!')]), 'ignored-name.txt');
    const v2 = await api(`/items/${f.id}/versions`, { method: 'POST', body: form });
    expect(v2.status).toBe(201);
    expect(await json(v2)).toMatchObject({ version: 2, size: 12, name: 'versioned.txt' });
    const v3 = await api(`/items/${f.id}/versions`, { method: 'POST', body: Buffer.from('raw three'), headers: { 'content-type': 'application/octet-stream' } });
    expect(v3.status).toBe(201);
    const versions = (await json(await api(`/items/${f.id}/versions`))).versions;
    expect(versions.map((v: { number: number }) => v.number)).toEqual([3, 2, 1]);
    expect(await (await api(`/items/${f.id}/content`)).text()).toBe('raw three');
    expect(await (await api(`/items/${f.id}/versions/1/content`)).text()).toBe('version one');
    expect(await (await api(`/items/${f.id}/content?version=2`)).text()).toBe('version two!');
    expect((await api(`/items/${f.id}/versions/9/content`)).status).toBe(404);
    const space = await json(await api(`/spaces/${alice.spaceId}`));
    expect(space.usage.bytes).toBeGreaterThanOrEqual(11 + 12 + 9);
  });

  it("answers 404 for unknown ids and for someone else's items, 400 for malformed ids", async () => {
    const secret = await uploadOne(k.url, alice.auth, alice.rootId, 'secret.txt', 'top secret');
    for (const path of [`/items/${secret.id}`, `/items/${secret.id}/content`, `/items/${secret.id}/versions`, `/items/${alice.rootId}/children`]) {
      const res = await api(path, { auth: bob.auth });
      expect(res.status, path).toBe(404);
      expect((await json(res)).error.code).toBe('not_found');
    }
    expect((await jsonCall('PATCH', `/items/${secret.id}`, { name: 'mine.txt' }, bob.auth)).status).toBe(404);
    expect((await api(`/items/${secret.id}`, { method: 'DELETE', auth: bob.auth })).status).toBe(404);
    expect((await jsonCall('POST', `/items/${secret.id}/copy`, { parentId: bob.rootId }, bob.auth)).status).toBe(404);
    // Bob cannot upload into Alice's folder, nor move his file there.
    expect((await upload(k.url, bob.auth, alice.rootId, [{ name: 'x.txt', data: 'x' }])).status).toBe(404);
    const bobs = await uploadOne(k.url, bob.auth, bob.rootId, 'bob.txt', 'b');
    expect((await jsonCall('POST', `/items/${bobs.id}/move`, { parentId: alice.rootId }, bob.auth)).status).toBe(404);
    expect((await api('/items/987654321')).status).toBe(404);
    expect((await api('/items/abc')).status).toBe(400);
    expect((await api('/items/0')).status).toBe(400);
  });

  it('refuses an upload over UPLOAD_MAX_BYTES with 413 and keeps nothing', async () => {
    const folder = await mkdir(alice.rootId, 'big');
    const res = await upload(k.url, alice.auth, folder.id, [{ name: 'huge.bin', data: bytes(2 * 1024 * 1024 + 1, 5) }]);
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('payload_too_large');
    expect((await json(await api(`/items/${folder.id}/children`))).total).toBe(0);
  });

  it('answers 415 for an upload that is neither multipart nor JSON, 400 for multipart without a file', async () => {
    const res = await api(`/items/${alice.rootId}/children`, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    const form = new FormData();
    form.append('note', 'no file here');
    expect((await api(`/items/${alice.rootId}/children`, { method: 'POST', body: form })).status).toBe(400);
    const broken = await api(`/items/${alice.rootId}/children`, { method: 'POST', body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\npartial', headers: { 'content-type': 'multipart/form-data; boundary=xyz' } });
    expect(broken.status).toBe(400);
    expect((await json(await api(`/items/${alice.rootId}/children?limit=1000`))).items.map((i: { name: string }) => i.name)).not.toContain('a.txt');
  });

  it('moves items to the trash; trashed items are gone from listings and reads', async () => {
    const folder = await mkdir(alice.rootId, 'trashme');
    const f = await uploadOne(k.url, alice.auth, folder.id, 'inside.txt', 'x');
    expect((await api(`/items/${folder.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/items/${folder.id}`)).status).toBe(404);
    expect((await api(`/items/${f.id}/content`)).status).toBe(404);
    expect((await json(await api(`/items/${alice.rootId}/children?limit=1000`))).items.map((i: { id: number }) => i.id)).not.toContain(folder.id);
    // The name is free again.
    expect((await jsonCall('POST', `/items/${alice.rootId}/children`, { name: 'trashme', kind: 'folder' })).status).toBe(201);
    expect((await api(`/items/${alice.rootId}`, { method: 'DELETE' })).status).toBe(400);
  });

  it('answers ancestors from the root down', async () => {
    const a = await mkdir(alice.rootId, 'anc-a');
    const b = await mkdir(a.id, 'anc-b');
    const f = await uploadOne(k.url, alice.auth, b.id, 'deep.txt', 'x');
    const res = await json(await api(`/items/${f.id}/ancestors`));
    expect(res.items.map((i: { id: number }) => i.id)).toEqual([alice.rootId, a.id, b.id]);
  });

  it('serves OpenAPI, docs, health and metrics', async () => {
    const doc = await json(await fetch(`${k.url}/api/v1/openapi.json`));
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/items/{id}/content', '/api/v1/auth/login', '/api/v1/spaces']));
    expect((await fetch(`${k.url}/docs`, { redirect: 'manual' })).status).toBeLessThan(400);
    expect(await json(await fetch(`${k.url}/healthz`))).toEqual({ status: 'ok' });
    const small = await uploadOne(k.url, alice.auth, alice.rootId, 'counted.txt', 'counted');
    expect(await (await api(`/items/${small.id}/content`)).text()).toBe('counted');
    const metrics = await (await fetch(`${k.url}/metrics`)).text();
    expect(metrics).toContain('kura_http_requests_total');
    // Small cached content is written directly; it must still be counted.
    expect(metrics).toMatch(/kura_http_requests_total\{method="GET",route="\/api\/v1\/items\/:id\/content",status="200"\} [1-9]/);
    expect(metrics).toContain('kura_http_request_duration_seconds_bucket{method="GET",route="/api/v1/items/:id/content",le="+Inf"}');
    expect(metrics).toContain('kura_process_cpu_user_seconds_total');
    const missing = await fetch(`${k.url}/api/v1/nothing-here`);
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe('not_found');
  });
});

describe.each(backends)('native tree (%s)', (backend) => {
  it('answers a folder subtree as a tree, folders only on request, hiding what an entry denies', async () => {
    const k = await startKura(backend);
    try {
      const a = await k.user();
      const b = await k.user();
      const call = (method: string, path: string, auth: Record<string, string>, body?: unknown) =>
        fetch(`${k.url}/api/v1${path}`, { method, headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const space = await json(await call('POST', '/spaces', a.auth, { kind: 'group', name: 'tree' }));
      await call('PUT', `/spaces/${space.id}/members/${b.id}`, a.auth, { role: 'viewer' });
      const mk = async (parent: number, name: string) => (await json(await call('POST', `/items/${parent}/children`, a.auth, { name, kind: 'folder' }))).items[0];
      const x = await mk(space.rootId, 'x');
      const y = await mk(x.id, 'y');
      const hidden = await mk(space.rootId, 'hidden');
      await uploadOne(k.url, a.auth, y.id, 'leaf.txt', 'leaf');
      await uploadOne(k.url, a.auth, hidden.id, 'h.txt', 'h');
      const full = await json(await call('GET', `/items/${space.rootId}/tree`, a.auth));
      expect(full.items.map((n: { name: string }) => n.name)).toEqual(['hidden', 'x']);
      expect(full.items[1].children[0].children[0]).toMatchObject({ name: 'leaf.txt', kind: 'file', children: [] });
      const folders = await json(await call('GET', `/items/${space.rootId}/tree?files=false`, a.auth));
      expect(folders.items[1].children[0].children).toEqual([]);
      await call('POST', `/items/${hidden.id}/acl`, a.auth, { actorType: 0, actorId: b.id, mask: 0 });
      const seen = await json(await call('GET', `/items/${space.rootId}/tree`, b.auth));
      expect(seen.items.map((n: { name: string }) => n.name)).toEqual(['x']);
      expect((await call('GET', `/items/${space.rootId}/tree`, (await k.user()).auth)).status).toBe(404);
    } finally {
      await k.stop();
    }
  });
});
