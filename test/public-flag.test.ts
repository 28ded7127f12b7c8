import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../src/http/shared/ids.js';
import { backends } from './helpers/backends.js';
import { blobOf, json, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';
import { sendSlice } from './helpers/slices.js';
import { b64, ok, onServer } from './onebot/client.js';
import { create, metadata } from './helpers/tus.js';

/**
 * Private by default, over the wire (decisions/0032): files made through the native API and
 * tus are read by id without a token only when asked (`public`), files made through the
 * faces whose specs serve them so (drive, media, social, 10Centuries) are; the owner
 * switches a file with PATCH. Every face's read by id without a token follows the flag.
 */
describe.each(backends)('public reads by id over HTTP (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let n = 0;
  beforeAll(async () => {
    // Each request names its own client address, so misses of one check never limit another.
    k = await startKura(backend, { KURA_TRUST_PROXY: '127.0.0.1' });
    u = await k.user();
  });
  afterAll(() => k.stop());

  const anon = () => ({ 'x-forwarded-for': `100.64.1.${++n % 250}` });
  /** What every face's read by id without a token answers: drive, media, social, 10Centuries. */
  const publicReads = async (id: number) => [
    (await fetch(`${k.url}/v1/file/resource?Id=${toObjectId(id)}`, { headers: anon() })).status,
    (await fetch(`${k.url}/file/${toObjectId(id)}`, { headers: anon() })).status,
    (await fetch(`${k.url}/files/${id}/data`, { headers: anon() })).status,
    (await fetch(`${k.url}/files/cdn/${id}_original.txt`, { headers: anon() })).status,
  ];
  const native = (method: string, path: string, body?: unknown, who: TestUser = u) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...who.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const itemOf = async (id: number) => (await json(await native('GET', `/items/${id}`))) as { public: boolean; modifiedAt: number };

  it('a native upload is private: no face serves it by id without a token; its owner still reads it', async () => {
    const f = await uploadOne(k.url, u.auth, u.rootId, 'diary.txt', 'dear diary');
    expect(f.public).toBe(false);
    expect(await publicReads(f.id)).toEqual([404, 404, 404, 404]);
    expect(await (await fetch(`${k.url}/file/${toObjectId(f.id)}`, { headers: u.auth })).text()).toBe('dear diary');
    expect(await (await native('GET', `/items/${f.id}/content`)).text()).toBe('dear diary');
  });

  it('a native upload with ?public=true is served by every face', async () => {
    const f = await uploadOne(k.url, u.auth, u.rootId, 'poster.txt', 'for everyone', '?public=true');
    expect(f.public).toBe(true);
    expect(await publicReads(f.id)).toEqual([200, 200, 200, 200]);
    // A bad value is refused and nothing is kept.
    const bad = await fetch(`${k.url}/api/v1/items/${u.rootId}/children?public=yes`, { method: 'POST', headers: u.auth, body: form('x.txt', 'x') });
    expect(bad.status).toBe(400);
    expect((await json(await native('GET', `/items/${u.rootId}/children?q=name==x.txt`))).total).toBe(0);
  });

  it('PATCH public switches a file; only who may share it, only files', async () => {
    const f = await uploadOne(k.url, u.auth, u.rootId, 'switch.txt', 'switched');
    const on = await native('PATCH', `/items/${f.id}`, { public: true });
    expect(on.status).toBe(200);
    expect(await json(on)).toMatchObject({ id: f.id, public: true });
    expect(await publicReads(f.id)).toEqual([200, 200, 200, 200]);
    expect((await native('PATCH', `/items/${f.id}`, { public: false })).status).toBe(200);
    expect(await publicReads(f.id)).toEqual([404, 404, 404, 404]);
    expect((await native('PATCH', `/items/${f.id}`, { public: 'yes' })).status).toBe(400);
    expect((await native('PATCH', `/items/${u.rootId}`, { public: true })).status).toBe(400);
    const group = await json(await native('POST', '/spaces', { kind: 'group', name: 'readers' }));
    const viewer = await k.user();
    expect((await native('PUT', `/spaces/${group.id}/members/${viewer.id}`, { role: 'viewer' })).status).toBe(200);
    const g = await uploadOne(k.url, u.auth, group.rootId, 'minutes.txt', 'minutes');
    const refused = await native('PATCH', `/items/${g.id}`, { public: true }, viewer);
    expect(refused.status).toBe(403);
    expect((await json(refused)).error.code).toBe('forbidden');
    expect((await native('PATCH', `/items/${g.id}`, { public: true }, await k.user())).status).toBe(404);
    expect((await itemOf(g.id)).public).toBe(false);
    expect(await publicReads(g.id)).toEqual([404, 404, 404, 404]);
  });

  it('drive uploads, whole or in slices, stay public; a drive copy keeps its source’s flag', async () => {
    const up = new FormData();
    up.append('UserToken', u.token);
    up.append('ParentId', toObjectId(u.rootId));
    up.append('FileName', 'drive.txt');
    up.append('File', blobOf('from the drive'), 'drive.txt');
    const d = await json(await fetch(`${k.url}/v1/file/upload`, { method: 'POST', body: up }));
    const id = parseInt(d.Data._id, 16);
    expect((await itemOf(id)).public).toBe(true);
    expect((await fetch(`${k.url}/v1/file/resource?Id=${d.Data._id}`, { headers: anon() })).status).toBe(200);
    const s = await json(await sendSlice(k.url, { token: u.token, fileName: 'sliced.txt', parentId: toObjectId(u.rootId), tempId: 'c0ffee00-0000-4000-8000-000000000001', offset: 0, length: 5, data: Buffer.from('slice') }));
    expect((await itemOf(parseInt(s.Data._id, 16))).public).toBe(true);
    expect(await (await fetch(`${k.url}/v1/file/resource?Id=${s.Data._id}`, { headers: anon() })).text()).toBe('slice');
    // A drive copy of a private native file is private, of a drive file public.
    const priv = await uploadOne(k.url, u.auth, u.rootId, 'private.txt', 'private');
    const folder = (await json(await native('POST', `/items/${u.rootId}/children`, { name: 'copies', kind: 'folder' }))).items[0];
    const copied = await fetch(`${k.url}/v1/file/copy_items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserToken: u.token, ItemIds: [toObjectId(priv.id), d.Data._id], DestFolderId: toObjectId(folder.id) }) });
    expect(copied.status).toBe(200);
    const copies = (await json(await native('GET', `/items/${folder.id}/children`))).items as { name: string; public: boolean }[];
    expect(Object.fromEntries(copies.map((c) => [c.name, c.public]))).toEqual({ 'private.txt': false, 'drive.txt': true });
  });

  it('media, social and 10Centuries uploads stay public', async () => {
    const m = new FormData();
    m.append('files', blobOf('media bytes'), 'media.txt');
    const media = (await json(await fetch(`${k.url}/file/upload`, { method: 'POST', headers: u.auth, body: m }))).files[0];
    expect(await (await fetch(`${k.url}/file/${media.id}`, { headers: anon() })).text()).toBe('media bytes');
    expect((await itemOf(parseInt(media.id, 16))).public).toBe(true);
    const t = new FormData();
    t.append('file', blobOf('#EXTM3U\n#EXT-X-VERSION:3\n'), 'live.m3u8');
    const ten = await json(await fetch(`${k.url}/files/upload`, { method: 'POST', headers: { authorization: u.token }, body: t }));
    const tid = ten.data.files[0].file.id as number;
    expect((await itemOf(tid)).public).toBe(true);
    expect((await fetch(`${k.url}/files/cdn/${tid}.m3u8`, { headers: anon() })).status).toBe(200);
    const s = new FormData();
    s.append('type', 'image');
    s.append('file', blobOf(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#a33' } }).png().toBuffer()), 'dot.png');
    const social = await fetch(`${k.url}/files`, { method: 'POST', headers: u.auth, body: s });
    expect(social.status).toBe(201);
    const sid = (await json(social)).file_id as number;
    expect((await itemOf(sid)).public).toBe(true);
    expect((await fetch(`${k.url}/files/${sid}/data`, { headers: anon() })).status).toBe(200);
  });

  it('native resumable and tus uploads are private unless asked', async () => {
    const start = async (key: string, isPublic?: boolean) => {
      const res = await native('POST', '/uploads', { key, folderId: u.rootId, name: `${key}.bin`, length: 3, ...(isPublic === undefined ? {} : { public: isPublic }) });
      expect(res.status).toBe(201);
      const put = await fetch(`${k.url}/api/v1/uploads/${key}?offset=0`, { method: 'PUT', headers: { ...u.auth, 'content-type': 'application/octet-stream' }, body: 'abc' });
      return (await json(put)).item as { id: number; public: boolean };
    };
    const open = await start('open-one', true);
    expect(open.public).toBe(true);
    expect((await fetch(`${k.url}/files/${open.id}/data`, { headers: anon() })).status).toBe(200);
    const closed = await start('closed-one');
    expect(closed.public).toBe(false);
    expect((await fetch(`${k.url}/files/${closed.id}/data`, { headers: anon() })).status).toBe(404);
    const tus = async (meta: Record<string, string>) => {
      const { res } = await create(k.url, u.auth, { 'upload-length': '3', 'upload-metadata': metadata({ filename: `tus${++n}.bin`, ...meta }) }, 'xyz');
      return res;
    };
    const pub = await tus({ public: 'true' });
    expect(pub.status).toBe(201);
    expect((await itemOf(Number(pub.headers.get('kura-item-id')))).public).toBe(true);
    const plain = await tus({});
    expect((await itemOf(Number(plain.headers.get('kura-item-id')))).public).toBe(false);
    const bad = await tus({ public: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('location')).toBeNull();
  });

  it('OneBot files are private: its spec hands out signed links, which keep working', async () => {
    const group = await json(await native('POST', '/spaces', { kind: 'group', name: 'bots' }));
    const id = (await ok<{ file_id: string }>(k, u, 'upload_group_file', { group_id: group.id, file: b64('bot file'), name: 'bot.txt' })).file_id;
    expect((await itemOf(Number(id))).public).toBe(false);
    expect(await publicReads(Number(id))).toEqual([404, 404, 404, 404]);
    const link = await ok<{ url: string }>(k, u, 'get_group_file_url', { group_id: group.id, file_id: id, busid: 102 });
    expect(await (await fetch(onServer(k, link.url), { headers: anon() })).text()).toBe('bot file');
  });

  it('the space switch stays the master switch', async () => {
    const f = await uploadOne(k.url, u.auth, u.rootId, 'master.txt', 'master', '?public=true');
    expect((await native('PATCH', `/spaces/${u.spaceId}`, { publicLinks: false })).status).toBe(200);
    expect(await publicReads(f.id)).toEqual([404, 404, 404, 404]);
    expect((await native('PATCH', `/spaces/${u.spaceId}`, { publicLinks: true })).status).toBe(200);
    expect(await publicReads(f.id)).toEqual([200, 200, 200, 200]);
  });
});

/** A multipart body with one file part. */
function form(name: string, data: string): FormData {
  const f = new FormData();
  f.append('file', blobOf(data), name);
  return f;
}
