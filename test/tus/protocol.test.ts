import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256, uploadOne } from '../helpers/http.js';
import { startKura, testClock, type TestKura, type TestUser } from '../helpers/kura.js';
import { create, metadata, patch, tusFetch } from '../helpers/tus.js';

const digest = (alg: string, b: Buffer | string) => `${alg} ${createHash(alg).update(b).digest('base64')}`;

describe.each(backends)('tus protocol (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let other: TestUser;
  let base: string;
  /** What the quota counts: bytes stored and reserved by unfinished uploads. */
  const usage = async (user: TestUser) => {
    const { bytes, reserved } = (await k.core.spaces.get({ userId: user.id, role: 'user' }, user.spaceId)).usage;
    return bytes + reserved;
  };
  const content = async (id: string | number) => body(await fetch(`${base}/api/v1/items/${id}/content`, { headers: u.auth }));

  beforeAll(async () => {
    k = await startKura(backend, { UPLOAD_MAX_BYTES: '1MiB', KURA_CORS_ORIGINS: 'https://app.example.test' });
    base = k.url;
    u = await k.user();
    other = await k.user();
  });
  afterAll(() => k?.stop());

  it('answers discovery without a credential: version, extensions, size limit, checksum algorithms', async () => {
    const res = await fetch(`${base}/api/v1/tus/`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-version')).toBe('1.0.0');
    expect(res.headers.get('tus-resumable')).toBe('1.0.0');
    expect(res.headers.get('tus-extension')!.split(',')).toEqual(expect.arrayContaining(['creation', 'creation-with-upload', 'creation-defer-length', 'termination', 'checksum', 'expiration', 'concatenation']));
    expect(res.headers.get('tus-max-size')).toBe(String(1024 * 1024));
    expect(res.headers.get('tus-checksum-algorithm')).toBe('sha1,sha256');
  });

  it('creates, takes chunks at the offset, completes into the folder with the item id and URL', async () => {
    const data = bytes(300_000, 3);
    const { url, res } = await create(base, u.auth, { 'upload-length': String(data.length), 'upload-metadata': metadata({ filename: 'first.bin', filetype: 'text/plain', parent: u.rootId }) });
    expect(res.status).toBe(201);
    expect(url).toMatch(new RegExp(`^${base}/api/v1/tus/[0-9a-f]{32}$`));
    expect(new Date(res.headers.get('upload-expires')!).getTime()).toBeGreaterThan(Date.now());
    let head = await tusFetch(url, u.auth, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe('0');
    expect(head.headers.get('upload-length')).toBe(String(data.length));
    expect(head.headers.get('upload-metadata')).toBe(metadata({ filename: 'first.bin', filetype: 'text/plain', parent: u.rootId }));
    expect(head.headers.get('cache-control')).toBe('no-store');
    // Quota is reserved at creation.
    expect(await usage(u)).toBeGreaterThanOrEqual(data.length);
    const a = await patch(url, u.auth, 0, data.subarray(0, 100_000));
    expect(a.status).toBe(204);
    expect(a.headers.get('upload-offset')).toBe('100000');
    expect(a.headers.get('kura-item-id')).toBeNull();
    head = await tusFetch(url, u.auth, 'HEAD');
    expect(head.headers.get('upload-offset')).toBe('100000');
    const b = await patch(url, u.auth, 100_000, data.subarray(100_000));
    expect(b.status).toBe(204);
    expect(b.headers.get('upload-offset')).toBe(String(data.length));
    const id = b.headers.get('kura-item-id')!;
    expect(b.headers.get('kura-item-url')).toBe(`${base}/api/v1/items/${id}`);
    const item = await json(await fetch(b.headers.get('kura-item-url')!, { headers: u.auth }));
    expect(item).toMatchObject({ name: 'first.bin', parentId: u.rootId, size: data.length });
    // The type is sniffed from the bytes, not taken from filetype.
    expect(item.mime).not.toBe('text/plain');
    expect(sha256(await content(id))).toBe(sha256(data));
    // A HEAD after completion says so, with the item.
    head = await tusFetch(url, u.auth, 'HEAD');
    expect(head.headers.get('upload-offset')).toBe(String(data.length));
    expect(head.headers.get('kura-item-id')).toBe(id);
  });

  it('answers 409 with the real offset when a chunk starts elsewhere, and keeps nothing of it', async () => {
    const data = bytes(1000, 4);
    const { url } = await create(base, u.auth, { 'upload-length': '1000', 'upload-metadata': metadata({ filename: 'offsets.bin' }) });
    expect((await patch(url, u.auth, 0, data.subarray(0, 400))).status).toBe(204);
    for (const at of [0, 200, 500]) {
      const r = await patch(url, u.auth, at, data.subarray(at, at + 100));
      expect(r.status).toBe(409);
      expect((await json(r)).error.details.offset).toBe(400);
    }
    expect((await tusFetch(url, u.auth, 'HEAD')).headers.get('upload-offset')).toBe('400');
    const r = await patch(url, u.auth, 400, data.subarray(400));
    expect(r.status).toBe(204);
    expect(sha256(await content(r.headers.get('kura-item-id')!))).toBe(sha256(data));
  });

  it('refuses a missing or other Tus-Resumable with 412 and Tus-Version', async () => {
    const r = await fetch(`${base}/api/v1/tus/`, { method: 'POST', headers: { ...u.auth, 'upload-length': '10', 'upload-metadata': metadata({ filename: 'x' }) } });
    expect(r.status).toBe(412);
    expect(r.headers.get('tus-version')).toBe('1.0.0');
    const r2 = await tusFetch(`${base}/api/v1/tus/`, u.auth, 'POST', { 'tus-resumable': '0.2.2', 'upload-length': '10', 'upload-metadata': metadata({ filename: 'x' }) });
    expect(r2.status).toBe(412);
  });

  it('answers 413 over the size limit and over the quota, and 415 for a PATCH of another type', async () => {
    expect((await create(base, u.auth, { 'upload-length': String(1024 * 1024 + 1), 'upload-metadata': metadata({ filename: 'big.bin' }) })).res.status).toBe(413);
    const small = await k.user();
    const admin = await k.user(undefined, { admin: true });
    await k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, small.spaceId, { bytes: 5000 });
    const over = await create(base, small.auth, { 'upload-length': '6000', 'upload-metadata': metadata({ filename: 'q.bin' }) });
    expect(over.res.status).toBe(413);
    expect((await json(over.res)).error.code).toBe('quota_exceeded');
    expect(await usage(small)).toBe(0);
    // Two uploads that fit alone but not together: the second is refused at creation.
    expect((await create(base, small.auth, { 'upload-length': '3000', 'upload-metadata': metadata({ filename: 'q1.bin' }) })).res.status).toBe(201);
    expect((await create(base, small.auth, { 'upload-length': '3000', 'upload-metadata': metadata({ filename: 'q2.bin' }) })).res.status).toBe(413);
    const { url } = await create(base, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 't.bin' }) });
    const r = await tusFetch(url, u.auth, 'PATCH', { 'upload-offset': '0', 'content-type': 'application/octet-stream' }, '0123456789');
    expect(r.status).toBe(415);
    const r2 = await tusFetch(url, u.auth, 'PATCH', { 'upload-offset': '0' }, '0123456789');
    expect(r2.status).toBe(415);
    expect((await tusFetch(url, u.auth, 'HEAD')).headers.get('upload-offset')).toBe('0');
    // A chunk running past the length is refused whole.
    expect((await patch(url, u.auth, 0, '0123456789A')).status).toBe(409);
    expect((await tusFetch(url, u.auth, 'HEAD')).headers.get('upload-offset')).toBe('0');
  });

  it("answers 404 for someone else's upload, an unknown one, and without a credential 401", async () => {
    const { url } = await create(base, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 'mine.bin' }) });
    expect((await tusFetch(url, other.auth, 'HEAD')).status).toBe(404);
    expect((await patch(url, other.auth, 0, '0123456789')).status).toBe(404);
    expect((await tusFetch(url, other.auth, 'DELETE')).status).toBe(404);
    expect((await tusFetch(`${base}/api/v1/tus/${'a'.repeat(32)}`, u.auth, 'HEAD')).status).toBe(404);
    expect((await tusFetch(url, {}, 'HEAD')).status).toBe(401);
    expect((await tusFetch(url, { authorization: 'Bearer kura_nope' }, 'HEAD')).status).toBe(401);
    // Nothing changed for the owner.
    expect((await tusFetch(url, u.auth, 'HEAD')).headers.get('upload-offset')).toBe('0');
    // Someone else's folder as parent: refused at creation.
    expect((await create(base, other.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 'x.bin', parent: u.rootId }) })).res.status).toBe(404);
  });

  it('checks sha1 and sha256 checksums: 460 on a mismatch with the offset unchanged, 400 for another algorithm', async () => {
    const data = bytes(5000, 6);
    const { url } = await create(base, u.auth, { 'upload-length': '5000', 'upload-metadata': metadata({ filename: 'sums.bin' }) });
    const bad = await patch(url, u.auth, 0, data.subarray(0, 2000), { 'upload-checksum': digest('sha1', data.subarray(1, 2001)) });
    expect(bad.status).toBe(460);
    expect((await tusFetch(url, u.auth, 'HEAD')).headers.get('upload-offset')).toBe('0');
    expect((await patch(url, u.auth, 0, data.subarray(0, 2000), { 'upload-checksum': digest('sha1', data.subarray(0, 2000)) })).status).toBe(204);
    expect((await patch(url, u.auth, 2000, data.subarray(2000, 3000), { 'upload-checksum': digest('sha256', Buffer.from('other')) })).status).toBe(460);
    expect((await tusFetch(url, u.auth, 'HEAD')).headers.get('upload-offset')).toBe('2000');
    expect((await patch(url, u.auth, 2000, data.subarray(2000, 3000), { 'upload-checksum': digest('md5', data.subarray(2000, 3000)) })).status).toBe(400);
    expect((await patch(url, u.auth, 2000, data.subarray(2000, 3000), { 'upload-checksum': 'sha1 not-base64!' })).status).toBe(400);
    const done = await patch(url, u.auth, 2000, data.subarray(2000), { 'upload-checksum': digest('sha256', data.subarray(2000)) });
    expect(done.status).toBe(204);
    expect(sha256(await content(done.headers.get('kura-item-id')!))).toBe(sha256(data));
  });

  it('creation-with-upload takes the first bytes in the POST; an empty upload is a file at once', async () => {
    const data = bytes(3000, 7);
    const { url, res } = await create(base, u.auth, { 'upload-length': '3000', 'upload-metadata': metadata({ filename: 'withbody.bin' }) }, data.subarray(0, 1000));
    expect(res.status).toBe(201);
    expect(res.headers.get('upload-offset')).toBe('1000');
    const r = await patch(url, u.auth, 1000, data.subarray(1000));
    expect(sha256(await content(r.headers.get('kura-item-id')!))).toBe(sha256(data));
    const whole = await create(base, u.auth, { 'upload-length': '3000', 'upload-metadata': metadata({ filename: 'whole.bin' }) }, data);
    expect(whole.res.headers.get('upload-offset')).toBe('3000');
    expect(sha256(await content(whole.res.headers.get('kura-item-id')!))).toBe(sha256(data));
    const empty = await create(base, u.auth, { 'upload-length': '0', 'upload-metadata': metadata({ filename: 'empty.txt' }) });
    expect(empty.res.status).toBe(201);
    const item = await json(await fetch(`${base}/api/v1/items/${empty.res.headers.get('kura-item-id')}`, { headers: u.auth }));
    expect(item).toMatchObject({ name: 'empty.txt', size: 0 });
    // A body of another type is refused before anything is made.
    expect((await tusFetch(`${base}/api/v1/tus/`, u.auth, 'POST', { 'upload-length': '3', 'content-type': 'text/plain', 'upload-metadata': metadata({ filename: 'typed.bin' }) }, 'abc')).status).toBe(415);
  });

  it('defers the length until a PATCH declares it, reserving quota then', async () => {
    const data = bytes(4000, 8);
    const before = await usage(u);
    const { url, res } = await create(base, u.auth, { 'upload-defer-length': '1', 'upload-metadata': metadata({ filename: 'deferred.bin' }) });
    expect(res.status).toBe(201);
    let head = await tusFetch(url, u.auth, 'HEAD');
    expect(head.headers.get('upload-defer-length')).toBe('1');
    expect(head.headers.get('upload-length')).toBeNull();
    expect((await patch(url, u.auth, 0, data.subarray(0, 1500))).headers.get('upload-offset')).toBe('1500');
    // Bytes received while the length is undeclared are reserved as they come.
    expect(await usage(u)).toBe(before + 1500);
    // A length shorter than what arrived is refused.
    expect((await patch(url, u.auth, 1500, data.subarray(1500, 1600), { 'upload-length': '1000' })).status).toBe(409);
    const last = await patch(url, u.auth, 1500, data.subarray(1500), { 'upload-length': '4000' });
    expect(last.status).toBe(204);
    expect(sha256(await content(last.headers.get('kura-item-id')!))).toBe(sha256(data));
    head = await tusFetch(url, u.auth, 'HEAD');
    expect(head.headers.get('upload-length')).toBe('4000');
    // Neither a length nor a deferral: 400.
    expect((await create(base, u.auth, { 'upload-metadata': metadata({ filename: 'nolength.bin' }) })).res.status).toBe(400);
    expect((await create(base, u.auth, { 'upload-defer-length': '2', 'upload-metadata': metadata({ filename: 'nolength.bin' }) })).res.status).toBe(400);
  });

  it('terminates: bytes dropped, quota given back, the upload gone', async () => {
    const before = await usage(u);
    const { url } = await create(base, u.auth, { 'upload-length': '5000', 'upload-metadata': metadata({ filename: 'gone.bin' }) });
    await patch(url, u.auth, 0, bytes(2000, 9));
    expect(await usage(u)).toBe(before + 5000);
    const del = await tusFetch(url, u.auth, 'DELETE');
    expect(del.status).toBe(204);
    expect(await usage(u)).toBe(before);
    expect((await tusFetch(url, u.auth, 'HEAD')).status).toBe(404);
    expect((await patch(url, u.auth, 2000, bytes(10))).status).toBe(404);
    // Through POST with X-HTTP-Method-Override as well.
    const second = await create(base, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 'gone2.bin' }) });
    expect((await tusFetch(second.url, u.auth, 'POST', { 'x-http-method-override': 'DELETE' })).status).toBe(204);
    expect((await tusFetch(second.url, u.auth, 'HEAD')).status).toBe(404);
  });

  it('uses filename, parent, space and onConflict: names checked, versions or renames on a clash', async () => {
    const folder = (await json(await fetch(`${base}/api/v1/items/${u.rootId}/children`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tusdir', kind: 'folder' }) }))).items[0];
    const up = async (m: Record<string, string | number>, data: Buffer | string) => {
      const c = await create(base, u.auth, { 'upload-length': String(Buffer.byteLength(data)), 'upload-metadata': metadata(m) }, data);
      return c.res;
    };
    const first = await up({ filename: 'clash.txt', parent: folder.id }, 'one');
    expect(first.status).toBe(201);
    const id = first.headers.get('kura-item-id')!;
    // version: a new version of the same file.
    const v = await up({ filename: 'clash.txt', parent: folder.id, onConflict: 'version' }, 'two');
    expect(v.headers.get('kura-item-id')).toBe(id);
    expect((await content(id)).toString()).toBe('two');
    // rename (the default): a new name.
    const r = await up({ filename: 'clash.txt', parent: folder.id }, 'three');
    expect(r.headers.get('kura-item-id')).not.toBe(id);
    expect((await json(await fetch(`${base}/api/v1/items/${r.headers.get('kura-item-id')}`, { headers: u.auth }))).name).not.toBe('clash.txt');
    // fail: 409 on the chunk that completes it.
    const f = await up({ filename: 'clash.txt', parent: folder.id, onConflict: 'fail' }, 'four');
    expect(f.status).toBe(409);
    // Its bytes stay: HEAD says so (no item), DELETE drops them.
    const fh = await tusFetch(f.headers.get('location')!, u.auth, 'HEAD');
    expect(fh.status).toBe(200);
    expect(fh.headers.get('upload-offset')).toBe('4');
    expect(fh.headers.get('kura-item-id')).toBeNull();
    expect((await tusFetch(f.headers.get('location')!, u.auth, 'DELETE')).status).toBe(204);
    // space: its root; no parent nor space: the personal root.
    const s = await up({ filename: 'in-space.txt', space: u.spaceId }, 'x');
    expect((await json(await fetch(`${base}/api/v1/items/${s.headers.get('kura-item-id')}`, { headers: u.auth }))).parentId).toBe(u.rootId);
    // Bad input: 400 before anything is kept.
    const invalid: Record<string, string | number>[] = [{ filename: 'a/b' }, { filename: '' }, { parent: u.rootId }, { filename: 'x', onConflict: 'overwrite' }, { filename: 'x', parent: 'abc' }, { filename: 'x', parent: folder.id, space: other.spaceId }];
    for (const m of invalid) {
      expect((await create(base, u.auth, { 'upload-length': '1', 'upload-metadata': metadata(m) })).res.status, JSON.stringify(m)).toBe(400);
    }
    expect((await create(base, u.auth, { 'upload-length': '1', 'upload-metadata': 'filename !!!' })).res.status).toBe(400);
    expect((await create(base, u.auth, { 'upload-length': '1', 'upload-metadata': `filename ${Buffer.from('a').toString('base64')},filename ${Buffer.from('b').toString('base64')}` })).res.status).toBe(400);
    expect((await create(base, u.auth, { 'upload-length': '-1', 'upload-metadata': metadata({ filename: 'neg' }) })).res.status).toBe(400);
    expect((await create(base, u.auth, { 'upload-length': '1', 'upload-metadata': metadata({ filename: 'x', space: other.spaceId }) })).res.status).toBe(404);
  });

  it('concatenates partial uploads sent in parallel into one file', async () => {
    const data = bytes(90_000, 10);
    const cuts = [0, 30_000, 61_000, 90_000];
    const before = await usage(u);
    const parts = await Promise.all(
      cuts.slice(0, -1).map(async (start, i) => {
        const { url, res } = await create(base, u.auth, { 'upload-length': String(cuts[i + 1] - start), 'upload-concat': 'partial' });
        expect(res.status).toBe(201);
        const r = await patch(url, u.auth, 0, data.subarray(start, cuts[i + 1]));
        expect(r.status).toBe(204);
        expect(r.headers.get('kura-item-id')).toBeNull();
        expect((await tusFetch(url, u.auth, 'HEAD')).headers.get('upload-concat')).toBe('partial');
        return url;
      }),
    );
    expect(await usage(u)).toBe(before + data.length);
    // An incomplete part, an unknown one, or someone else's: refused, the parts untouched.
    const open = await create(base, u.auth, { 'upload-length': '10', 'upload-concat': 'partial' });
    const final = (list: string[], who = u) => tusFetch(`${base}/api/v1/tus/`, who.auth, 'POST', { 'upload-concat': `final;${list.join(' ')}`, 'upload-metadata': metadata({ filename: 'joined.bin' }) });
    expect((await final([...parts, open.url])).status).toBe(400);
    expect((await final([parts[0], `${base}/api/v1/tus/${'b'.repeat(32)}`])).status).toBe(404);
    expect((await final(parts, other)).status).toBe(404);
    expect((await final([parts[0], parts[0]])).status).toBe(400);
    expect((await final(['http://elsewhere.test/files/abc'])).status).toBe(400);
    const done = await final(parts.map((p) => new URL(p).pathname));
    expect(done.status).toBe(201);
    const id = done.headers.get('kura-item-id')!;
    expect(sha256(await content(id))).toBe(sha256(data));
    const head = await tusFetch(done.headers.get('location')!, u.auth, 'HEAD');
    expect(head.headers.get('upload-offset')).toBe(String(data.length));
    expect(head.headers.get('upload-concat')).toBe(`final;${parts.map((p) => new URL(p).pathname).join(' ')}`);
    // The parts are consumed, their reservations handed to the file.
    expect((await tusFetch(parts[0], u.auth, 'HEAD')).status).toBe(404);
    expect(await usage(u)).toBe(before + data.length + 10);
    expect((await final(parts)).status).toBe(404);
    // A PATCH to a final upload: 403.
    expect((await patch(done.headers.get('location')!, u.auth, data.length, '')).status).toBe(403);
  });

  it('serves browsers of the allowed origins only (CORS), exposing the tus headers', async () => {
    const pre = await fetch(`${base}/api/v1/tus/`, { method: 'OPTIONS', headers: { origin: 'https://app.example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,tus-resumable,upload-length,upload-metadata' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    expect(pre.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(pre.headers.get('access-control-allow-headers')!.toLowerCase()).toContain('upload-metadata');
    const { res } = await create(base, { ...u.auth, origin: 'https://app.example.test' }, { 'upload-length': '1', 'upload-metadata': metadata({ filename: 'cors.bin' }) });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.test');
    expect(res.headers.get('access-control-expose-headers')).toContain('Upload-Offset');
    expect(res.headers.get('access-control-expose-headers')).toContain('Kura-Item-Id');
    const refused = await fetch(`${base}/api/v1/tus/`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.test', 'access-control-request-method': 'POST' } });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a file uploaded with tus is the same file in the other dialects', async () => {
    const { res } = await create(base, u.auth, { 'upload-length': '5', 'upload-metadata': metadata({ filename: 'seen.txt' }) }, 'hello');
    const id = res.headers.get('kura-item-id')!;
    const listed = await json(await fetch(`${base}/api/v1/items/${u.rootId}/children`, { headers: u.auth }));
    expect(JSON.stringify(listed)).toContain('seen.txt');
    expect((await content(id)).toString()).toBe('hello');
    await uploadOne(base, u.auth, u.rootId, 'plain.txt', 'plain');
  });
});

describe.each(backends)('tus expiration (%s)', (backend) => {
  it('an upload idle past its expiry answers 404 and is cleaned (bytes and reservation)', async () => {
    const clock = testClock();
    const k = await startKura(backend, {}, { clock });
    try {
      // Only this test moves time and drops sessions.
      await k.core.jobs.stop();
      const u = await k.user();
      const space = async () => (await k.core.spaces.get({ userId: u.id, role: 'user' }, u.spaceId)).usage;
      const { url, res } = await create(k.url, u.auth, { 'upload-length': '5000', 'upload-metadata': metadata({ filename: 'exp.bin' }) });
      const expiresAt = new Date(res.headers.get('upload-expires')!).getTime();
      expect(expiresAt).toBeGreaterThan(clock.now() + 86_000_000);
      expect((await patch(url, u.auth, 0, bytes(1000))).status).toBe(204);
      expect(await space()).toMatchObject({ bytes: 0, reserved: 5000 });
      clock.advance(86_400_000 + 1000);
      expect((await tusFetch(url, u.auth, 'HEAD')).status).toBe(404);
      expect((await patch(url, u.auth, 1000, bytes(1000))).status).toBe(404);
      expect(await space()).toMatchObject({ bytes: 0, reserved: 0, reservedFiles: 0 });
      expect(await k.core.usage.verify()).toEqual([]);
    } finally {
      await k.stop();
    }
  });
});
