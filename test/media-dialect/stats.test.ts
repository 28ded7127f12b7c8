import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { bytes, json, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { mediaUpload, photo, png, uploaded, wav } from './media.js';

interface Stats {
  count: { total: number; images: number; audio: number; video: number };
  size: { total: number; images: number; audio: number; video: number };
}

const audioFile = (n: number, seed: number) => wav(bytes(n, seed));

describe.each(backends)('media statistics (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let admin: TestUser;
  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    admin = await k.user(undefined, { admin: true });
  });
  afterAll(() => k.stop());

  const stat = async (path: string, who: TestUser) => {
    const res = await fetch(`${k.url}${path}`, { headers: who.auth });
    expect(res.status).toBe(200);
    return json<Stats>(res);
  };

  it('needs a token; global statistics are for administrators', async () => {
    expect((await fetch(`${k.url}/file/stat/self`)).status).toBe(401);
    expect((await fetch(`${k.url}/file/stat`)).status).toBe(401);
    expect((await fetch(`${k.url}/file/stat`, { headers: u.auth })).status).toBe(403);
    expect(await stat('/file/stat/self', u)).toEqual({ count: { total: 0, images: 0, audio: 0, video: 0 }, size: { total: 0, images: 0, audio: 0, video: 0 } });
  });

  it('counts exactly after concurrent uploads and deletes through media and native', async () => {
    const v = await k.user();
    const before = await stat('/file/stat', admin);
    const images = await Promise.all([png(20, 20), png(30, 10), photo(64, 48), png(5, 5)]);
    const audio = [audioFile(1000, 1), audioFile(2000, 2), audioFile(3000, 3)];
    const other = [bytes(500, 4), bytes(700, 5)];
    // Kept: everything uploaded, less what is deleted below.
    const [keepImg, delImg] = await uploaded(k.url, v.auth, [{ name: 'k.png', data: images[0] }, { name: 'd.png', data: images[1] }]);
    const nativeDel = await uploadOne(k.url, v.auth, v.rootId, 'nd.wav', audio[2]);
    await Promise.all([
      // media uploads, one request with several files
      mediaUpload(k.url, v.auth, [{ name: 'p.jpeg', data: images[2] }, { name: 'a1.wav', data: audio[0] }]).then((r) => expect(r.status).toBe(200)),
      mediaUpload(k.url, v.auth, [{ name: 'o1.bin', data: other[0] }]).then((r) => expect(r.status).toBe(200)),
      // native uploads
      uploadOne(k.url, v.auth, v.rootId, 'n.png', images[3]),
      uploadOne(k.url, v.auth, v.rootId, 'a2.wav', audio[1]),
      uploadOne(k.url, v.auth, v.rootId, 'o2.bin', other[1]),
      // a media delete, and a native delete then purge
      fetch(`${k.url}/file/${delImg.id}`, { method: 'DELETE', headers: v.auth }).then((r) => expect(r.status).toBe(200)),
      (async () => {
        expect((await fetch(`${k.url}/api/v1/items/${nativeDel.id}`, { method: 'DELETE', headers: v.auth })).status).toBeLessThan(300);
        expect((await fetch(`${k.url}/api/v1/spaces/${v.spaceId}/trash/${nativeDel.id}`, { method: 'DELETE', headers: v.auth })).status).toBeLessThan(300);
      })(),
    ]);
    const img = [images[0], images[2], images[3]].reduce((n, b) => n + b.length, 0);
    const aud = audio[0].length + audio[1].length;
    const oth = other[0].length + other[1].length;
    const self = await stat('/file/stat/self', v);
    expect(self).toEqual({ count: { total: 7, images: 3, audio: 2, video: 0 }, size: { total: img + aud + oth, images: img, audio: aud, video: 0 } });
    const after = await stat('/file/stat', admin);
    expect(after.count.total - before.count.total).toBe(7);
    expect(after.size.images - before.size.images).toBe(img);
    expect(after.size.audio - before.size.audio).toBe(aud);
    expect(keepImg.maintype).toBe('image');
    expect(await k.core.usage.verify()).toEqual([]);
  });

  it('stays exact under many parallel uploads and deletes', async () => {
    const v = await k.user();
    const files = await Promise.all(Array.from({ length: 12 }, (_, i) => uploaded(k.url, v.auth, [{ name: `f${i}.wav`, data: audioFile(100 + i, i + 10) }]).then((r) => r[0])));
    const doomed = files.filter((_, i) => i % 3 === 0);
    await Promise.all([
      ...doomed.map((f) => fetch(`${k.url}/file/del`, { method: 'POST', headers: { ...v.auth, 'content-type': 'application/json' }, body: JSON.stringify({ id: f.id }) }).then((r) => expect(r.status).toBe(200))),
      ...Array.from({ length: 6 }, (_, i) => uploadOne(k.url, v.auth, v.rootId, `n${i}.wav`, audioFile(50 + i, i + 40))),
    ]);
    const kept = files.filter((_, i) => i % 3 !== 0).reduce((n, f) => n + f.size, 0) + Array.from({ length: 6 }, (_, i) => 50 + i + 44).reduce((a, b) => a + b, 0);
    const s = await stat('/file/stat/self', v);
    expect(s.count).toEqual({ total: 14, images: 0, audio: 14, video: 0 });
    expect(s.size).toEqual({ total: kept, images: 0, audio: kept, video: 0 });
    expect(await k.core.usage.verify()).toEqual([]);
  });
});
