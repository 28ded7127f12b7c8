import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { mediaUpload, png, uploaded, type MediaFile } from './media.js';

const HEX24 = /^[0-9a-f]{24}$/;

describe.each(backends)('media files (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let other: TestUser;
  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    other = await k.user();
  });
  afterAll(() => k.stop());

  const get = (path: string, auth: Record<string, string> = u.auth) => fetch(`${k.url}${path}`, { headers: auth });
  const post = (path: string, payload: unknown, auth: Record<string, string> = u.auth) =>
    fetch(`${k.url}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(payload) });

  it('uploads several files in one request and answers the spec fields with their types', async () => {
    const image = await png(40, 30);
    const text = bytes(1000, 3);
    const before = Date.now();
    const res = await mediaUpload(k.url, u.auth, [
      { name: 'a.png', data: image },
      { name: 'b.bin', data: text },
    ]);
    expect(res.status).toBe(200);
    const { files } = await json<{ files: MediaFile[] }>(res);
    expect(files).toHaveLength(2);
    const [a, b] = files;
    expect(Object.keys(a).sort()).toEqual(['created', 'etag', 'id', 'maintype', 'name', 'owner', 'size', 'subtype', 'updated']);
    expect(a).toMatchObject({ name: 'a.png', maintype: 'image', subtype: 'png', size: image.length, etag: sha256(image), owner: toObjectId(u.id) });
    expect(a.id).toMatch(HEX24);
    expect(typeof a.created).toBe('number');
    expect(a.created).toBeGreaterThanOrEqual(before - 1000);
    expect(a.updated).toBe(a.created);
    expect(b).toMatchObject({ name: 'b.bin', maintype: 'application', subtype: 'octet-stream', size: 1000 });
    // The same data through the native API: one id in every dialect.
    const native = await json(await get(`/api/v1/items/${parseInt(a.id, 16)}`));
    expect(native).toMatchObject({ name: 'a.png', parentId: u.rootId });
  });

  it('PUT /file/ uploads too, and a clash of names renames', async () => {
    const first = await uploaded(k.url, u.auth, [{ name: 'same.txt', data: 'one' }]);
    const res = await mediaUpload(k.url, u.auth, [{ name: 'same.txt', data: 'two' }, { name: 'same.txt', data: 'three' }], { method: 'PUT', path: '/file/' });
    expect(res.status).toBe(200);
    const { files } = await json<{ files: MediaFile[] }>(res);
    expect([first[0].name, ...files.map((f) => f.name)]).toEqual(['same.txt', 'same (1).txt', 'same (2).txt']);
    expect(new Set([first[0].id, ...files.map((f) => f.id)]).size).toBe(3);
  });

  it('refuses uploads without a token, without files, with bad names or a truncated body, storing nothing', async () => {
    const count = async () => (await json(await get('/file/list?limit=1000'))).total as number;
    const n = await count();
    expect((await mediaUpload(k.url, {}, [{ name: 'x.txt', data: 'x' }])).status).toBe(401);
    const form = new FormData();
    form.append('other', 'value');
    expect((await fetch(`${k.url}/file/upload`, { method: 'POST', headers: u.auth, body: form })).status).toBe(400);
    expect((await fetch(`${k.url}/file/upload`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: '{}' })).status).toBe(415);
    // A bad name in the second part: nothing of the request is kept.
    expect((await mediaUpload(k.url, u.auth, [{ name: 'fine.txt', data: 'x' }, { name: '..', data: 'y' }])).status).toBe(400);
    // A body cut short in the middle of the second file.
    const boundary = 'XyZ';
    const raw = `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="t1.txt"\r\n\r\nhello\r\n--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="t2.txt"\r\n\r\npartial`;
    const res = await fetch(`${k.url}/file/upload`, { method: 'POST', headers: { ...u.auth, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: raw });
    expect(res.status).toBe(400);
    expect(await count()).toBe(n);
  });

  it('refuses an upload beyond the size limit with 413 and keeps nothing', async () => {
    const small = await startKura(backend, { UPLOAD_MAX_BYTES: '1000' });
    try {
      const v = await small.user();
      const res = await mediaUpload(small.url, v.auth, [{ name: 'ok.bin', data: bytes(10) }, { name: 'big.bin', data: bytes(5000) }]);
      expect(res.status).toBe(413);
      expect((await json(await fetch(`${small.url}/file/list`, { headers: v.auth }))).total).toBe(0);
    } finally {
      await small.stop();
    }
  });

  describe('list', () => {
    let v: TestUser;
    const all: MediaFile[] = [];
    beforeAll(async () => {
      v = await k.user();
      for (const [i, name] of ['delta.png', 'alpha.txt', 'charlie.png', 'bravo.bin'].entries()) {
        const data = name.endsWith('.png') ? await png(10 + i, 10) : bytes(100 * (i + 1), i + 1);
        all.push(...(await uploaded(k.url, v.auth, [{ name, data }])));
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    const list = async (query: string) => {
      const res = await get(`/file/list?${query}`, v.auth);
      expect(res.status).toBe(200);
      return json<{ files: MediaFile[]; total: number }>(res);
    };

    it('pages by offset and limit in created order by default, total counting all', async () => {
      const page = await list('offset=1&limit=2');
      expect(page.total).toBe(4);
      expect(page.files.map((f) => f.name)).toEqual(['alpha.txt', 'charlie.png']);
      expect((await list('')).files).toHaveLength(4);
      const bare = await json(await get('/file/', v.auth));
      expect(bare.total).toBe(4);
      // The spec's example writes maxResult.
      expect((await list('maxResult=1')).files).toHaveLength(1);
    });

    it('sorts by every sortable field, both ways', async () => {
      expect((await list('orderBy=name')).files.map((f) => f.name)).toEqual(['alpha.txt', 'bravo.bin', 'charlie.png', 'delta.png']);
      expect((await list('orderBy=name&order=desc')).files.map((f) => f.name)).toEqual(['delta.png', 'charlie.png', 'bravo.bin', 'alpha.txt']);
      const bySize = (await list('orderBy=size')).files.map((f) => f.size);
      expect(bySize).toEqual([...bySize].sort((a, b) => a - b));
      expect((await list('orderBy=created&order=desc')).files.map((f) => f.name)).toEqual(['bravo.bin', 'charlie.png', 'alpha.txt', 'delta.png']);
      expect((await list('orderBy=updated')).files.map((f) => f.name)).toEqual(['delta.png', 'alpha.txt', 'charlie.png', 'bravo.bin']);
      expect((await list('orderBy=maintype')).files.map((f) => f.maintype)).toEqual(['application', 'application', 'image', 'image']);
      const subtypes = (await list('orderBy=subtype&order=desc')).files.map((f) => f.subtype);
      expect(subtypes).toEqual([...subtypes].sort().reverse());
      const etags = (await list('orderBy=etag')).files.map((f) => f.etag);
      expect(etags).toEqual([...etags].sort());
      expect((await list('orderBy=ownerId')).total).toBe(4);
    });

    it('filters by the field parameters and by q', async () => {
      expect((await list('maintype=image')).files.map((f) => f.name).sort()).toEqual(['charlie.png', 'delta.png']);
      expect((await list('subtype=png')).total).toBe(2);
      expect((await list('maintype=IMAGE&name=delta.png')).files.map((f) => f.name)).toEqual(['delta.png']);
      expect((await list(`etag=${all[1].etag}`)).files.map((f) => f.name)).toEqual(['alpha.txt']);
      expect((await list(`owner=${toObjectId(v.id)}`)).total).toBe(4);
      expect((await list(`owner=${toObjectId(u.id)}`)).total).toBe(0);
      expect((await list(`q=${encodeURIComponent('maintype==image;size=gt=0')}`)).total).toBe(2);
      expect((await list(`q=${encodeURIComponent('maintype!=image')}&orderBy=name`)).files.map((f) => f.name)).toEqual(['alpha.txt', 'bravo.bin']);
      expect((await list(`q=${encodeURIComponent('name==*e.*,subtype=in=(png)')}&orderBy=name`)).files.map((f) => f.name)).toEqual(['charlie.png', 'delta.png']);
      expect((await list(`q=${encodeURIComponent('maintype==im*')}`)).total).toBe(2);
      expect((await list(`q=${encodeURIComponent(`size=ge=${all[3].size};maintype=out=(image)`)}`)).files.map((f) => f.name)).toEqual(['bravo.bin']);
      expect((await list(`q=${encodeURIComponent(`id==${all[0].id}`)}`)).files.map((f) => f.name)).toEqual(['delta.png']);
      expect((await list(`q=${encodeURIComponent(`created=ge=${all[2].created}`)}`)).total).toBe(2);
      expect((await list(`q=${encodeURIComponent(`updated=lt=${new Date(all[1].updated).toISOString()}`)}`)).files.map((f) => f.name)).toEqual(['delta.png']);
      // Paging keeps counting everything that matches.
      const page = await list(`q=${encodeURIComponent('size=gt=0')}&limit=1&offset=3`);
      expect(page.files).toHaveLength(1);
      expect(page.total).toBe(4);
    });

    it('answers 400 naming the position for a malformed q or an unknown field, and for bad paging', async () => {
      const bad = async (query: string, pattern: RegExp) => {
        const res = await get(`/file/list?${query}`, v.auth);
        expect(res.status).toBe(400);
        const e = await json(res);
        expect(e.error.message).toMatch(pattern);
      };
      await bad(`q=${encodeURIComponent('size=gt=1;colour==red')}`, /unknown property "colour" at position 10/);
      await bad(`q=${encodeURIComponent('size==')}`, /q:/);
      await bad(`q=${encodeURIComponent('size==big')}`, /bad value "big" for "size" at position 0/);
      await bad(`q=${encodeURIComponent('maintype=gt=a')}`, /maintype/);
      await bad('orderBy=colour', /orderBy/);
      await bad('order=up', /order/);
      await bad('limit=0', /limit/);
      await bad('limit=abc', /limit/);
      await bad('offset=-1', /offset/);
      await bad('owner=nothex', /owner/);
    });

    it('lists only the caller’s own files, and needs a token', async () => {
      expect((await get('/file/list', {})).status).toBe(401);
      expect((await get('/file/list', { authorization: 'Bearer kura_wrong' })).status).toBe(401);
      const mine = await list('limit=1000');
      expect(mine.files.every((f) => f.owner === toObjectId(v.id))).toBe(true);
    });
  });

  describe('rename and delete', () => {
    it('renames by POST /file/update and POST /file/:id, answering the file', async () => {
      const [f] = await uploaded(k.url, u.auth, [{ name: 'old.txt', data: 'rename me' }]);
      const r1 = await post('/file/update', { id: f.id, name: 'new.txt' });
      expect(r1.status).toBe(200);
      const a = await json<MediaFile>(r1);
      expect(a).toMatchObject({ id: f.id, name: 'new.txt', etag: f.etag, size: f.size });
      expect(a.updated).toBeGreaterThanOrEqual(f.updated);
      const r2 = await fetch(`${k.url}/file/${f.id}`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=newer.txt' });
      expect((await json<MediaFile>(r2)).name).toBe('newer.txt');
      // No name: nothing to change, the file as it is.
      expect((await json<MediaFile>(await post('/file/update', { id: f.id }))).name).toBe('newer.txt');
    });

    it('refuses bad renames: clash 409, bad name 400, bad id 400, unknown 404, someone else’s 404, no token 401', async () => {
      const [a, b] = await uploaded(k.url, u.auth, [{ name: 'r1.txt', data: '1' }, { name: 'r2.txt', data: '2' }]);
      expect((await post('/file/update', { id: a.id, name: b.name })).status).toBe(409);
      expect((await post('/file/update', { id: a.id, name: 'a/b' })).status).toBe(400);
      expect((await post('/file/update', { id: a.id, name: 12 })).status).toBe(400);
      expect((await post('/file/update', { id: 'xyz', name: 'n' })).status).toBe(400);
      expect((await post('/file/update', { name: 'n' })).status).toBe(400);
      expect((await post('/file/update', { id: toObjectId(123456789), name: 'n' })).status).toBe(404);
      expect((await post('/file/update', { id: a.id, name: 'stolen' }, other.auth)).status).toBe(404);
      expect((await post('/file/update', { id: a.id, name: 'anon' }, {})).status).toBe(401);
      expect((await json(await get(`/api/v1/items/${parseInt(a.id, 16)}`))).name).toBe('r1.txt');
    });

    it('deletes for good by POST /file/del and DELETE /file/:id, answering the file; only the owner or an admin', async () => {
      const [a, b, c] = await uploaded(k.url, u.auth, [{ name: 'd1.txt', data: 'd1' }, { name: 'd2.txt', data: 'd2' }, { name: 'd3.txt', data: 'd3' }]);
      expect((await post('/file/del', { id: a.id }, other.auth)).status).toBe(404);
      expect((await fetch(`${k.url}/file/${a.id}`, { method: 'DELETE' })).status).toBe(401);
      const r1 = await post('/file/del', { id: a.id });
      expect(r1.status).toBe(200);
      expect(await json<MediaFile>(r1)).toMatchObject({ id: a.id, name: 'd1.txt', etag: a.etag });
      const r2 = await fetch(`${k.url}/file/${b.id}`, { method: 'DELETE', headers: u.auth });
      expect((await json<MediaFile>(r2)).name).toBe('d2.txt');
      expect((await get(`/file/${a.id}`)).status).toBe(404);
      expect((await post('/file/del', { id: a.id })).status).toBe(404);
      expect((await post('/file/del', { id: 'nope' })).status).toBe(400);
      // Not in the trash either: the media API has none.
      const trash = await json(await get(`/api/v1/spaces/${u.spaceId}/trash`));
      expect(JSON.stringify(trash)).not.toContain('d1.txt');
      const admin = await k.user(undefined, { admin: true });
      expect((await fetch(`${k.url}/file/${c.id}`, { method: 'DELETE', headers: admin.auth })).status).toBe(200);
      // A folder is not a media file.
      const folder = await json(await fetch(`${k.url}/api/v1/items/${u.rootId}/children`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'dir', kind: 'folder' }) }));
      expect((await post('/file/del', { id: toObjectId(folder.id ?? folder.items?.[0]?.id) })).status).toBe(404);
      expect((await k.core.fsck()).problems).toEqual([]);
    });

    it('downloads byte for byte what was uploaded through the native API', async () => {
      const data = bytes(200_000, 9);
      const item = await uploadOne(k.url, u.auth, u.rootId, 'native.bin', data);
      const res = await get(`/file/${toObjectId(item.id)}`);
      expect(res.status).toBe(200);
      expect(sha256(await body(res))).toBe(sha256(data));
    });
  });
});
