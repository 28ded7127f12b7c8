import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageRecipe } from '../src/core/index.js';
import { backends } from './helpers/backends.js';
import { json, sha256, uploadOne } from './helpers/http.js';
import { pngBomb } from './helpers/images.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';

const photo = (width: number, height: number, orientation?: number) => {
  const img = sharp({ create: { width, height, channels: 3, background: '#3366aa', noise: { type: 'gaussian', mean: 120, sigma: 40 } } }).jpeg({ quality: 85 });
  return (orientation ? img.withMetadata({ orientation }) : img).toBuffer();
};

const objectId = (id: number) => id.toString(16).padStart(24, '0');

async function readAll(s: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** The core's image derivatives: by recipe, made once, kept as blobs, removed with their source. */
describe.each(backends)('image derivatives (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let big: { id: number; sha256: string; mime: string };
  const derivativeRows = (hash: string) => k.core.database.db.selectFrom('derivatives').selectAll().where('source_hash', '=', hash).execute();

  beforeAll(async () => {
    k = await startKura(backend, { KURA_GC_GRACE_SECONDS: '0' });
    u = await k.user();
    big = await uploadOne(k.url, u.auth, u.rootId, 'big.jpg', await photo(4000, 3000));
  });
  afterAll(() => k.stop());

  it.each<[ImageRecipe, number, number, string]>([
    [{ kind: 'short-edge', size: 172 }, 229, 172, 'image/jpeg'],
    [{ kind: 'long-edge', size: 172 }, 172, 129, 'image/jpeg'],
    [{ kind: 'cover', width: 172, height: 100 }, 172, 100, 'image/jpeg'],
    [{ kind: 'fit-width', maxWidth: 960 }, 960, 720, 'image/jpeg'],
    [{ kind: 'short-edge', size: 4000 }, 4000, 3000, 'image/jpeg'],
  ])('makes %j as %i×%i', async (recipe, width, height, mime) => {
    const d = await k.core.derivatives.get(big.sha256, big.mime, recipe);
    expect(d).toMatchObject({ width, height, mime });
    const bytes = await readAll(await k.core.blobs.read(d.hash));
    expect(sha256(bytes)).toBe(d.hash);
    expect(await sharp(bytes).metadata()).toMatchObject({ width, height, format: 'jpeg' });
  });

  it('makes each (content, recipe) once, even when asked for at once', async () => {
    const recipe: ImageRecipe = { kind: 'short-edge', size: 300 };
    const all = await Promise.all(Array.from({ length: 6 }, () => k.core.derivatives.get(big.sha256, big.mime, recipe)));
    expect(new Set(all.map((d) => d.hash)).size).toBe(1);
    expect((await derivativeRows(big.sha256)).filter((r) => r.spec === 'short-300')).toHaveLength(1);
  });

  it('applies the EXIF orientation', async () => {
    const turned = await uploadOne(k.url, u.auth, u.rootId, 'turned.jpg', await photo(400, 200, 6));
    expect(await k.core.derivatives.get(turned.sha256, turned.mime, { kind: 'long-edge', size: 100 })).toMatchObject({ width: 50, height: 100 });
  });

  it('refuses absurd sizes, non-images and pixel bombs with a clear 4xx code', async () => {
    for (const recipe of [{ kind: 'short-edge', size: 0 }, { kind: 'cover', width: 172, height: 100_000 }, { kind: 'fit-width', maxWidth: 1.5 }] as ImageRecipe[]) {
      await expect(k.core.derivatives.get(big.sha256, big.mime, recipe)).rejects.toMatchObject({ code: 'bad_request' });
    }
    const txt = await uploadOne(k.url, u.auth, u.rootId, 'a.txt', 'text');
    await expect(k.core.derivatives.get(txt.sha256, txt.mime, { kind: 'long-edge', size: 100 })).rejects.toMatchObject({ code: 'unsupported_type' });
    const svg = await uploadOne(k.url, u.auth, u.rootId, 'a.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await expect(k.core.derivatives.get(svg.sha256, svg.mime, { kind: 'long-edge', size: 100 })).rejects.toMatchObject({ code: 'unsupported_type' });
    const bomb = await uploadOne(k.url, u.auth, u.rootId, 'bomb.png', await pngBomb(30000, 30000));
    await expect(k.core.derivatives.get(bomb.sha256, bomb.mime, { kind: 'long-edge', size: 100 })).rejects.toMatchObject({ code: 'unsupported_type', details: { reason: 'too_many_pixels' } });
    expect(await derivativeRows(bomb.sha256)).toEqual([]);
  });

  it('decodes at most two images at once; the others wait their turn', async () => {
    const photos = await Promise.all(Array.from({ length: 6 }, (_, i) => sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 40 * i, g: 90, b: 200 - 20 * i } } }).jpeg({ quality: 95 }).toBuffer()));
    const items = [];
    for (const [i, p] of photos.entries()) items.push(await uploadOne(k.url, u.auth, u.rootId, `queue${i}.jpg`, p));
    let running = 0;
    let waiting = 0;
    const watch = setInterval(() => {
      running = Math.max(running, k.core.images.load.running);
      waiting = Math.max(waiting, k.core.images.load.waiting);
    }, 1);
    try {
      const answers = await Promise.all(items.map((it) => fetch(`${k.url}/v1/file/resource?Id=${objectId(it.id)}&Type=1`)));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    } finally {
      clearInterval(watch);
    }
    expect(running).toBeLessThanOrEqual(2);
    expect(running).toBeGreaterThan(0);
    expect(waiting).toBeGreaterThan(0);
  });

  it('serves a thumbnail with ETag and 304 (drive resource)', async () => {
    const url = `${k.url}/v1/file/resource?Id=${objectId(big.id)}&Type=1`;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    await first.arrayBuffer();
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('goes with its source: GC removes both, fsck stays clean', async () => {
    const own = await uploadOne(k.url, u.auth, u.rootId, 'own.jpg', await photo(800, 600));
    const d = await k.core.derivatives.get(own.sha256, own.mime, { kind: 'cover', width: 64, height: 64 });
    expect((await fetch(`${k.url}/api/v1/items/${own.id}`, { method: 'DELETE', headers: u.auth })).status).toBe(204);
    expect((await fetch(`${k.url}/api/v1/spaces/${u.spaceId}/trash/${own.id}`, { method: 'DELETE', headers: u.auth })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 5));
    await k.core.gc();
    await new Promise((r) => setTimeout(r, 5));
    await k.core.gc();
    expect(await derivativeRows(own.sha256)).toEqual([]);
    expect(await k.core.blobs.has(own.sha256)).toBe(false);
    expect(await k.core.blobs.has(d.hash)).toBe(false);
    expect((await k.core.fsck()).problems).toEqual([]);
    // Another file's derivatives are untouched.
    expect((await json(await fetch(`${k.url}/api/v1/items/${big.id}`, { headers: u.auth }))).sha256).toBe(big.sha256);
    expect((await derivativeRows(big.sha256)).length).toBeGreaterThan(0);
  });
});
