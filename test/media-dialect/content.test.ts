import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { pngBomb } from '../helpers/images.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { photo, png, uploaded, wav, type MediaFile } from './media.js';

describe.each(backends)('media downloads and thumbnails (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let other: TestUser;
  let data: Buffer;
  let f: MediaFile;
  let landscape: MediaFile;
  let portrait: MediaFile;
  let turned: MediaFile;
  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    other = await k.user();
    data = bytes(300_000, 7);
    [f] = await uploaded(k.url, u.auth, [{ name: 'raw.wav', data: wav(data) }]);
    [landscape, portrait] = await uploaded(k.url, u.auth, [
      { name: 'land.jpeg', data: await photo(1200, 800) },
      { name: 'port.jpeg', data: await photo(600, 900) },
    ]);
    // Stored 800×400 with EXIF orientation 6: shown 400×800.
    [turned] = await uploaded(k.url, u.auth, [{ name: 'turned.jpeg', data: await photo(800, 400, 6) }]);
  });
  afterAll(() => k.stop());

  const get = (path: string, headers: Record<string, string> = u.auth) => fetch(`${k.url}${path}`, { headers });

  it('downloads by id, with or without an extension, byte for byte with the spec headers', async () => {
    const whole = wav(data);
    for (const path of [`/file/${f.id}`, `/file/${f.id}.wav`, `/file/${f.id}/`, `/file/${f.id.toUpperCase()}`]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/wav');
      expect(res.headers.get('content-length')).toBe(String(whole.length));
      expect(res.headers.get('etag')).toBe(`"${f.etag}"`);
      expect(new Date(res.headers.get('last-modified')!).getTime()).toBe(Math.floor(f.updated / 1000) * 1000);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(sha256(await body(res))).toBe(sha256(whole));
    }
    expect(f).toMatchObject({ maintype: 'audio', subtype: 'wav' });
  });

  it('answers 304 to If-None-Match and If-Modified-Since, and ranges with 206/416', async () => {
    const first = await get(`/file/${f.id}`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    expect((await get(`/file/${f.id}`, { ...u.auth, 'if-none-match': etag })).status).toBe(304);
    expect((await get(`/file/${f.id}`, { ...u.auth, 'if-modified-since': first.headers.get('last-modified')! })).status).toBe(304);
    expect((await get(`/file/${f.id}`, { ...u.auth, 'if-none-match': '"other"' })).status).toBe(200);
    const part = await get(`/file/${f.id}`, { ...u.auth, range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${f.size}`);
    expect((await body(part)).equals(data.subarray(56, 156))).toBe(true);
    expect((await get(`/file/${f.id}`, { ...u.auth, range: `bytes=${f.size}-` })).status).toBe(416);
  });

  it('downloads without a token as a public read; someone else’s token reads public files too; unknown ids 404, bad ids 400', async () => {
    expect((await get(`/file/${f.id}`, {})).status).toBe(200);
    expect((await get(`/file/${f.id}`, other.auth)).status).toBe(200);
    // Public links off: only the owner.
    await fetch(`${k.url}/api/v1/spaces/${u.spaceId}`, { method: 'PATCH', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ publicLinks: false }) });
    try {
      expect((await get(`/file/${f.id}`, {})).status).toBe(404);
      expect((await get(`/file/${f.id}`, other.auth)).status).toBe(404);
      expect((await get(`/file/${f.id}`)).status).toBe(200);
      expect((await get(`/file/${landscape.id}/thumbnail.jpeg?size=50`, {})).status).toBe(404);
    } finally {
      await fetch(`${k.url}/api/v1/spaces/${u.spaceId}`, { method: 'PATCH', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ publicLinks: true }) });
    }
    expect((await get(`/file/${toObjectId(987654321)}`)).status).toBe(404);
    expect((await get('/file/not-an-id')).status).toBe(400);
    expect((await get(`/file/${f.id}.way-too-long-extension-here`)).status).toBe(400);
  });

  it('downloads by /:maintype/:name from the caller’s files only; other paths are not taken', async () => {
    const res = await get('/audio/raw.wav');
    expect(res.status).toBe(200);
    expect(sha256(await body(res))).toBe(f.etag);
    expect((await get('/image/land.jpeg')).status).toBe(200);
    expect((await get('/image/raw.wav')).status).toBe(404);
    expect((await get('/audio/raw.wav', other.auth)).status).toBe(404);
    expect((await get('/audio/raw.wav', {})).status).toBe(401);
    expect((await get(`/audio/${encodeURIComponent('nothing.wav')}`)).status).toBe(404);
    const cached = await get('/audio/raw.wav', { ...u.auth, 'if-none-match': `"${f.etag}"` });
    expect(cached.status).toBe(304);
    // Not a MIME main type: not media's (the REST not-found of the app).
    expect((await get('/pictures/raw.wav')).status).toBe(404);
    expect((await get('/api/v1/me')).status).toBe(200);
  });

  const thumb = async (path: string, headers: Record<string, string> = u.auth) => {
    const res = await get(path, headers);
    expect(res.status, `${path}: ${res.status}`).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    const b = await body(res);
    expect(res.headers.get('content-length')).toBe(String(b.length));
    const m = await sharp(b).metadata();
    expect(m.format).toBe('jpeg');
    return { width: m.width, height: m.height, etag: res.headers.get('etag'), bytes: b };
  };

  it('makes thumbnails in every size mode, landscape and portrait, never enlarged', async () => {
    const L = landscape.id;
    const P = portrait.id;
    // size=N: the short edge is N.
    expect(await thumb(`/file/thumbnail/${L}.jpeg?size=172`)).toMatchObject({ width: 258, height: 172 });
    expect(await thumb(`/file/${P}/thumbnail.jpeg?size=172`)).toMatchObject({ width: 172, height: 258 });
    // size=W,H: exactly W×H, cropped.
    expect(await thumb(`/file/${L}/thumbnail.jpeg?size=172,172`)).toMatchObject({ width: 172, height: 172 });
    expect(await thumb(`/file/${P}/thumbnail.jpeg?size=100,50`)).toMatchObject({ width: 100, height: 50 });
    // size=0,N and N,0: the long edge is N.
    expect(await thumb(`/file/${L}/thumbnail.jpeg?size=0,172`)).toMatchObject({ width: 172, height: 115 });
    expect(await thumb(`/file/${P}/thumbnail.jpeg?size=172,0`)).toMatchObject({ width: 115, height: 172 });
    // Default 750 on the short edge; never enlarged.
    expect(await thumb(`/file/${L}/thumbnail.jpeg`)).toMatchObject({ width: 1125, height: 750 });
    expect(await thumb(`/file/${P}/thumbnail.jpeg`)).toMatchObject({ width: 600, height: 900 });
    expect(await thumb(`/file/thumbnail/${P}?size=2000`)).toMatchObject({ width: 600, height: 900 });
    expect(await thumb(`/file/thumbnail/${P}.jpg?size=0,4000`)).toMatchObject({ width: 600, height: 900 });
    // PNG sources become JPEG too.
    const [small] = await uploaded(k.url, u.auth, [{ name: 'small.png', data: await png(64, 32) }]);
    expect(await thumb(`/file/${small.id}/thumbnail.jpeg?size=16`)).toMatchObject({ width: 32, height: 16 });
  });

  it('applies the EXIF orientation', async () => {
    expect(await thumb(`/file/${turned.id}/thumbnail.jpeg?size=100`)).toMatchObject({ width: 100, height: 200 });
    expect(await thumb(`/file/${turned.id}/thumbnail.jpeg?size=0,200`)).toMatchObject({ width: 100, height: 200 });
    expect(await thumb(`/file/${turned.id}/thumbnail.jpeg?size=50,60`)).toMatchObject({ width: 50, height: 60 });
  });

  it('makes each thumbnail once and answers 304 to its ETag; works without a token', async () => {
    const a = await thumb(`/file/${landscape.id}/thumbnail.jpeg?size=99`);
    const b = await thumb(`/file/thumbnail/${landscape.id}.jpeg?size=99`, {});
    expect(b.etag).toBe(a.etag);
    expect(sha256(b.bytes)).toBe(sha256(a.bytes));
    expect(a.etag).toBe(`"${sha256(a.bytes)}"`);
    const rows = await k.core.database.db.selectFrom('derivatives').selectAll().where('source_hash', '=', landscape.etag).where('spec', '=', 'short-99').execute();
    expect(rows).toHaveLength(1);
    expect((await get(`/file/${landscape.id}/thumbnail.jpeg?size=99`, { ...u.auth, 'if-none-match': a.etag! })).status).toBe(304);
    expect((await k.core.fsck()).problems).toEqual([]);
  });

  it('refuses absurd sizes, non-images, pixel bombs and unknown ids with clear 4xx', async () => {
    const bad = async (path: string, status: number) => {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      expect((await json(res)).error.message).toBeTruthy();
    };
    for (const size of ['0', '0,0', '5000', '100000,10', 'abc', '10,20,30', '-5', '1.5']) await bad(`/file/${landscape.id}/thumbnail.jpeg?size=${encodeURIComponent(size)}`, 400);
    await bad(`/file/${f.id}/thumbnail.jpeg`, 415);
    await bad(`/file/thumbnail/${landscape.id}.png`, 400);
    await bad(`/file/${toObjectId(55555)}/thumbnail.jpeg`, 404);
    // 108 megapixels in a few kilobytes: refused from its header, nothing decoded.
    const [bomb] = await uploaded(k.url, u.auth, [{ name: 'bomb.png', data: await pngBomb(12_000, 9_000) }]);
    const res = await get(`/file/${bomb.id}/thumbnail.jpeg?size=100`);
    expect(res.status).toBe(415);
    expect((await json(res)).error.message).toMatch(/pixels/);
  });
});
