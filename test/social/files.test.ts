import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { startKura, testClock, type TestKura, type TestUser } from '../helpers/kura.js';
import { form, jpeg, mp4, png } from './fixtures.js';

describe.each(backends)('social generic files (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let other: TestUser;
  beforeAll(async () => {
    k = await startKura(backend, { KURA_GC_GRACE_SECONDS: '0', KURA_UNPINNED_TTL: '1h' });
    u = await k.user();
    other = await k.user();
  });
  afterAll(() => k.stop());

  const post = (f: FormData, auth: Record<string, string> = u.auth) => fetch(`${k.url}/files`, { method: 'POST', headers: auth, body: f });
  const usage = async (user = u) => (await k.core.spaces.get({ userId: user.id, role: 'user' }, user.spaceId)).usage;
  const itemRow = (id: number) => k.core.database.db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst();

  it('uploads an image (201 {file_id}), serves it byte for byte without a token, answers its attributes', async () => {
    const img = await jpeg(64, 48, 1);
    const res = await post(form([['type', 'image'], ['description', 'a cat'], ['custom_tag', 'pets'], ['file', { data: img, name: 'cat.jpg' }]]));
    expect(res.status).toBe(201);
    const { file_id } = await json(res);
    expect(typeof file_id).toBe('number');
    const data = await fetch(`${k.url}/files/${file_id}/data`);
    expect(data.status).toBe(200);
    expect(data.headers.get('content-type')).toBe('image/jpeg');
    expect(data.headers.get('x-content-type-options')).toBe('nosniff');
    expect(sha256(await body(data))).toBe(sha256(img));
    const attr = await fetch(`${k.url}/files/${file_id}/attribute`, { headers: u.auth });
    expect(attr.status).toBe(200);
    const a = await json(attr);
    expect(a).toEqual({ file_id, file_name: 'cat.jpg', created_at: expect.any(String), type: 'image', mine_type: 'image/jpeg', description: 'a cat', custom_tag: 'pets' });
    expect(Number.isNaN(Date.parse(a.created_at))).toBe(false);
    // Another signed-in user sees the attributes of a file anyone may download.
    expect((await json(await fetch(`${k.url}/files/${file_id}/attribute`, { headers: other.auth }))).file_id).toBe(file_id);
    // Range and 304 come from the shared sender.
    const part = await fetch(`${k.url}/files/${file_id}/data`, { headers: { range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    expect(Buffer.compare(await body(part), img.subarray(0, 10))).toBe(0);
    const etag = data.headers.get('etag')!;
    expect((await fetch(`${k.url}/files/${file_id}/data`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('takes a video, and fields after the file', async () => {
    const v = mp4();
    const res = await post(form([['file', { data: v, name: 'clip.mp4' }], ['type', 'video'], ['custom_tag', 'late']]));
    expect(res.status).toBe(201);
    const { file_id } = await json(res);
    const a = await json(await fetch(`${k.url}/files/${file_id}/attribute`, { headers: u.auth }));
    expect(a).toMatchObject({ type: 'video', mine_type: 'video/mp4', custom_tag: 'late', description: '' });
    expect(sha256(await body(await fetch(`${k.url}/files/${file_id}/data`)))).toBe(sha256(v));
  });

  it('refuses bad uploads with 4xx and records nothing', async () => {
    const before = await usage();
    const img = await jpeg(32, 32, 2);
    const cases: [FormData | string, number, Record<string, string>?][] = [
      [form([['type', 'video'], ['file', { data: img, name: 'x.mp4' }]]), 415],
      [form([['type', 'image'], ['file', { data: mp4(), name: 'x.jpg' }]]), 415],
      [form([['type', 'image'], ['file', { data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), name: 'x.svg' }]]), 415],
      [form([['type', 'image'], ['file', { data: Buffer.from('just text'), name: 'x.jpg' }]]), 415],
      [form([['type', 'audio'], ['file', { data: img, name: 'x.jpg' }]]), 400],
      [form([['file', { data: img, name: 'x.jpg' }]]), 400],
      [form([['type', 'image']]), 400],
      [form([['type', 'image'], ['description', 'x'.repeat(5000)], ['file', { data: img, name: 'x.jpg' }]]), 400],
      ['{"type":"image"}', 415, { 'content-type': 'application/json' }],
    ];
    for (const [i, [f, status, headers]] of cases.entries()) {
      const res = await fetch(`${k.url}/files`, { method: 'POST', headers: { ...u.auth, ...headers }, body: f });
      expect(res.status, `case ${i}`).toBe(status);
      expect((await json(res)).error.code).toBeTypeOf('string');
    }
    expect((await post(form([['type', 'image'], ['file', { data: img, name: 'x.jpg' }]]), {})).status).toBe(401);
    expect((await post(form([['type', 'image'], ['file', { data: img, name: 'x.jpg' }]]), { authorization: 'Bearer kura_nope' })).status).toBe(401);
    expect(await usage()).toEqual(before);
  });

  it('refuses 30 MiB and more with 413 while streaming; just under 30 MiB is taken', async () => {
    const before = await usage();
    const big = Buffer.concat([await jpeg(16, 16, 3), Buffer.alloc(30 * 1024 * 1024)]);
    const res = await post(form([['type', 'image'], ['file', { data: big, name: 'big.jpg' }]]));
    expect(res.status).toBe(413);
    expect(await usage()).toEqual(before);
    const head = await jpeg(16, 16, 4);
    const fits = Buffer.concat([head, Buffer.alloc(30 * 1024 * 1024 - 1 - head.length)]);
    const ok = await post(form([['type', 'image'], ['file', { data: fits, name: 'fits.jpg' }]]));
    expect(ok.status).toBe(201);
    const { file_id } = await json(ok);
    expect(sha256(await body(await fetch(`${k.url}/files/${file_id}/data`)))).toBe(sha256(fits));
  });

  it('answers 404 for unknown ids and 400 for malformed ones; attributes need a token', async () => {
    expect((await fetch(`${k.url}/files/123456789/data`)).status).toBe(404);
    expect((await fetch(`${k.url}/files/abc/data`)).status).toBe(400);
    expect((await fetch(`${k.url}/files/123456789/attribute`, { headers: u.auth })).status).toBe(404);
    expect((await fetch(`${k.url}/files/abc/attribute`, { headers: u.auth })).status).toBe(400);
    const img = await jpeg(20, 20, 5);
    const { file_id } = await json(await post(form([['type', 'image'], ['file', { data: img, name: 'a.jpg' }]])));
    expect((await fetch(`${k.url}/files/${file_id}/attribute`)).status).toBe(401);
    // A folder is no file.
    expect((await fetch(`${k.url}/files/${u.rootId}/data`)).status).toBe(404);
    // Someone else's private file (not readable by id) is a 404 for its attributes too.
    await k.core.spaces.setPublicLinks({ userId: other.id, role: 'user' }, other.spaceId, false);
    const priv = await json(await post(form([['type', 'image'], ['file', { data: img, name: 'p.jpg' }]]), other.auth));
    expect((await fetch(`${k.url}/files/${priv.file_id}/attribute`, { headers: u.auth })).status).toBe(404);
    expect((await fetch(`${k.url}/files/${priv.file_id}/data`)).status).toBe(404);
    expect((await fetch(`${k.url}/files/${priv.file_id}/attribute`, { headers: other.auth })).status).toBe(200);
    await k.core.spaces.setPublicLinks({ userId: other.id, role: 'user' }, other.spaceId, true);
  });

  it('an upload stays out of the caller\'s listing root: in a system folder of the personal space, named as sent (renamed on a clash)', async () => {
    const img = await jpeg(10, 10, 20);
    const one = await json(await post(form([['type', 'image'], ['file', { data: img, name: 'same.jpg' }]])));
    const two = await json(await post(form([['type', 'image'], ['file', { data: img, name: 'same.jpg' }]])));
    const [r1, r2] = [await itemRow(one.file_id), await itemRow(two.file_id)];
    expect(Number(r1!.parent_id)).toBe(Number(r2!.parent_id));
    expect(Number(r1!.parent_id)).not.toBe(u.rootId);
    expect(Number(r1!.space_id)).toBe(u.spaceId);
    expect([r1!.name, r2!.name].sort()).toEqual(['same (1).jpg', 'same.jpg']);
    const folder = await itemRow(Number(r1!.parent_id));
    expect(folder).toMatchObject({ name: 'Social', kind: 'folder', system: 1 });
    // The same file through the native API: one id everywhere.
    const native = await json(await fetch(`${k.url}/api/v1/items/${one.file_id}`, { headers: u.auth }));
    expect(native.id).toBe(one.file_id);
    expect(await png(2, 2)).toBeInstanceOf(Buffer);
    expect(bytes(1).length).toBe(1);
  });
});

// A short unpinned TTL on an instance of its own, so the other tests' files never expire under load.
describe.each(backends)('social unpinned files and GC (%s)', (backend) => {
  const clock = testClock();
  let k: TestKura;
  let other: TestUser;
  beforeAll(async () => {
    // Public reads are cached far longer than the TTL: an expiring file must leave the cache when it expires.
    k = await startKura(backend, { KURA_GC_GRACE_SECONDS: '0', KURA_UNPINNED_TTL: '2s', KURA_AUTH_CACHE_SECONDS: '60' }, { clock });
    other = await k.user();
  });
  afterAll(() => k.stop());

  const usage = async (user: TestUser) => (await k.core.spaces.get({ userId: user.id, role: 'user' }, user.spaceId)).usage;
  const itemRow = (id: number) => k.core.database.db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst();

  it('GC deletes unpinned uploads after KURA_UNPINNED_TTL for good; pinned ones survive; the last unpin restarts the clock', async () => {
    const g = await k.user();
    const before = await usage(g);
    const post = (f: FormData) => fetch(`${k.url}/files`, { method: 'POST', headers: g.auth, body: f });
    const a = await jpeg(40, 40, 10);
    const b = await jpeg(40, 40, 11);
    const c = await jpeg(40, 40, 12);
    const up = async (data: Buffer) => (await json(await post(form([['type', 'image'], ['file', { data, name: 'g.jpg' }]])))).file_id as number;
    const [ia, ib, ic] = [await up(a), await up(b), await up(c)];
    expect(Number((await itemRow(ia))!.expires_at)).toBeGreaterThan(Date.now());
    // Pin b twice (two references) and c once, through the native API.
    const pin = (id: number, ref: string) => fetch(`${k.url}/api/v1/items/${id}/pins`, { method: 'POST', headers: { ...g.auth, 'content-type': 'application/json' }, body: JSON.stringify({ ref }) });
    expect((await pin(ib, 'post:1')).status).toBe(201);
    expect((await pin(ib, 'post:1')).status).toBe(200);
    expect((await pin(ib, 'post:2')).status).toBe(201);
    expect((await pin(ic, 'post:3')).status).toBe(201);
    expect((await itemRow(ib))!.expires_at).toBeNull();
    // Pinning someone else's file is a 404; a bad ref a 400.
    expect((await fetch(`${k.url}/api/v1/items/${ia}/pins`, { method: 'POST', headers: { ...other.auth, 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'x' }) })).status).toBe(404);
    expect((await pin(ia, '')).status).toBe(400);
    expect((await pin(ia, 'bad\u0001ref')).status).toBe(400);
    const listed = await json(await fetch(`${k.url}/api/v1/items/${ib}/pins`, { headers: g.auth }));
    expect(listed.pins.map((p: { ref: string }) => p.ref)).toEqual(['post:1', 'post:2']);
    expect((await json(await fetch(`${k.url}/api/v1/pins?ref=post:3`, { headers: g.auth }))).pins[0].itemId).toBe(ic);
    // Unpin c: its clock starts again.
    expect((await fetch(`${k.url}/api/v1/items/${ic}/pins?ref=post:3`, { method: 'DELETE', headers: g.auth })).status).toBe(204);
    expect((await fetch(`${k.url}/api/v1/items/${ic}/pins?ref=post:3`, { method: 'DELETE', headers: g.auth })).status).toBe(404);
    expect(Number((await itemRow(ic))!.expires_at)).toBeGreaterThan(Date.now());
    // b loses one of its two pins: it still does not expire.
    expect((await fetch(`${k.url}/api/v1/items/${ib}/pins?ref=post:1`, { method: 'DELETE', headers: g.auth })).status).toBe(204);
    expect((await itemRow(ib))!.expires_at).toBeNull();
    // Read (and so cached) while it lives.
    expect(sha256(await body(await fetch(`${k.url}/files/${ia}/data`)))).toBe(sha256(a));
    clock.advance(2300);
    // Expired: no longer served even before GC runs.
    expect((await fetch(`${k.url}/files/${ia}/data`)).status).toBe(404);
    const r = await k.core.gc();
    expect(r.expired).toBeGreaterThanOrEqual(2);
    expect(await itemRow(ia)).toBeUndefined();
    expect(await itemRow(ic)).toBeUndefined();
    expect(await k.core.blobs.has(sha256(a))).toBe(false);
    expect(await k.core.blobs.has(sha256(c))).toBe(false);
    // The pinned one survives, byte for byte, and counts in the usage.
    expect(sha256(await body(await fetch(`${k.url}/files/${ib}/data`)))).toBe(sha256(b));
    const after = await usage(g);
    expect(after.bytes).toBe(before.bytes + b.length);
    expect(after.files).toBe(before.files + 1);
    expect((await k.core.fsck()).problems).toEqual([]);
    // A pin on an expired file is refused.
    const d = await up(await jpeg(40, 40, 13));
    clock.advance(2100);
    expect((await pin(d, 'late')).status).toBe(404);
  });

});
