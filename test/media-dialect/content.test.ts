import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEPT_SPECS, MAX_DERIVATIVES_PER_SOURCE } from '../../src/core/index.js';
import { toObjectId } from '../../src/http/shared/ids.js';
import { backends } from '../helpers/backends.js';
import { body, bytes, fetchRead, json, sha256 } from '../helpers/http.js';
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

  const get = (path: string, headers: Record<string, string> = u.auth) => fetchRead(`${k.url}${path}`, { headers });

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
    // Made from the 128 step, which is kept once.
    const rows = await k.core.database.db.selectFrom('derivatives').selectAll().where('source_hash', '=', landscape.etag).where('spec', '=', 'short-128').execute();
    expect(rows).toHaveLength(1);
    expect((await get(`/file/${landscape.id}/thumbnail.jpeg?size=99`, { ...u.auth, 'if-none-match': a.etag! })).status).toBe(304);
    expect((await k.core.fsck()).problems).toEqual([]);
  });

  it('keeps at most the ladder of a photo however many sizes are asked, each answer of the spec’s shape', async () => {
    const [one] = await uploaded(k.url, u.auth, [{ name: 'many.jpeg', data: await photo(1500, 1000) }]);
    for (const n of [50, 100, 150, 172, 200, 250, 300, 400, 500, 600, 700, 750, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500]) {
      const short = await thumb(`/file/${one.id}/thumbnail.jpeg?size=${n}`);
      expect(short.height).toBe(Math.min(n, 1000));
      expect(await thumb(`/file/${one.id}/thumbnail.jpeg?size=${n},${n}`)).toMatchObject({ width: Math.min(n, 1000), height: Math.min(n, 1000) });
      expect((await thumb(`/file/${one.id}/thumbnail.jpeg?size=0,${n}`)).width).toBe(Math.min(n, 1500));
    }
    const rows = await k.core.database.db.selectFrom('derivatives').selectAll().where('source_hash', '=', one.etag).execute();
    expect(rows.length).toBeLessThanOrEqual(MAX_DERIVATIVES_PER_SOURCE);
    for (const r of rows) expect(KEPT_SPECS.has(r.spec), r.spec).toBe(true);
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

describe.each(backends)('media thumbnails not made yet are rate limited per client (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let one: MediaFile;
  beforeAll(async () => {
    k = await startKura(backend, { KURA_THUMBNAIL_RENDERS_PER_MINUTE: '3' });
    u = await k.user();
    [one] = await uploaded(k.url, u.auth, [{ name: 'p.jpeg', data: await photo(1500, 1000) }]);
  });
  afterAll(() => k.stop());
  const get = (path: string, headers: Record<string, string> = {}) => fetchRead(`${k.url}${path}`, { headers });

  it('answers 429 with Retry-After past the limit, and still serves every thumbnail already made', async () => {
    // Three steps made by this client (no token: counted by its address).
    for (const size of ['64', '128', '0,64']) expect((await get(`/file/${one.id}/thumbnail.jpeg?size=${size}`)).status, size).toBe(200);
    const limited = await get(`/file/${one.id}/thumbnail.jpeg?size=300`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(limited)).error.message).toMatch(/thumbnails/);
    // Made ones, and sizes made from them, are never limited, and count nothing.
    const counted = async () => (await k.core.database.db.selectFrom('rate_limits').selectAll().where('key', 'like', 'thumbnail-render:%').execute()).reduce((n, r) => n + Number(r.count), 0);
    const before = await counted();
    for (const size of ['64', '100', '100,100', '0,50']) expect((await get(`/file/thumbnail/${one.id}.jpeg?size=${size}`)).status, size).toBe(200);
    expect(await counted()).toBe(before);
    // A signed-in user is counted on its own; what it made is then served to the limited client.
    expect((await get(`/file/${one.id}/thumbnail.jpeg?size=300`, u.auth)).status).toBe(200);
    const made = await get(`/file/${one.id}/thumbnail.jpeg?size=300`);
    expect(made.status).toBe(200);
    expect(await sharp(await body(made)).metadata()).toMatchObject({ width: 450, height: 300 });
  });
});
