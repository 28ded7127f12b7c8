import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEPT_SPECS, MAX_DERIVATIVES_PER_SOURCE, thumbnailRenders, type ImageRecipe } from '../src/core/index.js';
import { RateLimiter } from '../src/core/limits/limiter.js';
import { Derivatives } from '../src/core/images/derivatives.js';
import { openCore, type OpenCore } from '../src/runtime.js';
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
    big = await uploadOne(k.url, u.auth, u.rootId, 'big.jpg', await photo(4000, 3000), '?public=true');
  });
  afterAll(() => k.stop());

  it.each<[ImageRecipe, number, number, string, string]>([
    [{ kind: 'short-edge', size: 172 }, 229, 172, 'image/jpeg', 'short-172'],
    [{ kind: 'long-edge', size: 172 }, 172, 129, 'image/jpeg', 'long-172'],
    [{ kind: 'cover', width: 172, height: 100 }, 172, 100, 'image/jpeg', 'short-172'],
    [{ kind: 'fit-width', maxWidth: 960 }, 960, 720, 'image/jpeg', 'fitw-960'],
    [{ kind: 'short-edge', size: 300 }, 400, 300, 'image/jpeg', 'short-512'],
    // Above the ladder's largest step: that step, as it is.
    [{ kind: 'short-edge', size: 4000 }, 2731, 2048, 'image/jpeg', 'short-2048'],
  ])('makes %j as %i×%i (%s) from its step %s', async (recipe, width, height, mime, step) => {
    const d = await k.core.derivatives.get(big.sha256, big.mime, recipe);
    expect(d).toMatchObject({ width, height, mime });
    const kept = (await derivativeRows(big.sha256)).find((r) => r.spec === step);
    expect(kept).toBeDefined();
    // The step itself is served as kept; another size is made from it in memory.
    const bytes = d.data ?? (await readAll(await k.core.blobs.read(d.hash)));
    expect(d.data === undefined).toBe(kept!.blob_hash === d.hash);
    expect(sha256(bytes)).toBe(d.hash);
    expect(await sharp(bytes).metadata()).toMatchObject({ width, height, format: 'jpeg' });
  });

  it('makes each (content, step) once, even when asked for at once', async () => {
    const recipe: ImageRecipe = { kind: 'short-edge', size: 600 };
    const all = await Promise.all(Array.from({ length: 6 }, () => k.core.derivatives.get(big.sha256, big.mime, recipe)));
    expect(new Set(all.map((d) => d.hash)).size).toBe(1);
    expect(all[0]).toMatchObject({ width: 800, height: 600 });
    expect((await derivativeRows(big.sha256)).filter((r) => r.spec === 'short-750')).toHaveLength(1);
  });

  it(`keeps at most ${MAX_DERIVATIVES_PER_SOURCE} derivatives of a source, whatever sizes are asked for, each answer of the shape asked`, async () => {
    // The case: many sizes of one 1500 px photo used to keep one full rendering each.
    const one = await uploadOne(k.url, u.auth, u.rootId, 'many.jpg', await photo(1500, 1000));
    const sizes = [1, 40, 64, 99, 150, 172, 200, 300, 480, 512, 600, 750, 900, 1000, 1100, 1499, 1500, 2000, 3000, 4096];
    const near = (got: number | null, want: number) => expect(Math.abs((got ?? 0) - want)).toBeLessThanOrEqual(1);
    for (const n of sizes) {
      const short = await k.core.derivatives.get(one.sha256, one.mime, { kind: 'short-edge', size: n });
      near(short.height, Math.min(n, 1000));
      near(short.width, Math.min(n, 1000) * 1.5);
      const long = await k.core.derivatives.get(one.sha256, one.mime, { kind: 'long-edge', size: n });
      near(long.width, Math.min(n, 1500));
      const square = await k.core.derivatives.get(one.sha256, one.mime, { kind: 'cover', width: n, height: n });
      expect([square.width, square.height]).toEqual([Math.min(n, 1000), Math.min(n, 1000)]);
    }
    const rows = await derivativeRows(one.sha256);
    expect(rows.length).toBeLessThanOrEqual(MAX_DERIVATIVES_PER_SOURCE);
    for (const r of rows) expect(KEPT_SPECS.has(r.spec), r.spec).toBe(true);
    // Asked again: nothing new is kept.
    for (const n of sizes) await k.core.derivatives.get(one.sha256, one.mime, { kind: 'cover', width: n, height: Math.ceil(n / 2) });
    expect((await derivativeRows(one.sha256)).length).toBe(rows.length);
    expect((await k.core.fsck()).problems).toEqual([]);
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
    for (const [i, p] of photos.entries()) items.push(await uploadOne(k.url, u.auth, u.rootId, `queue${i}.jpg`, p, '?public=true'));
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

/** New renderings are counted per client in the database: every node sees the count; kept ones are never counted. */
describe.each(backends)('new thumbnail renderings are rate limited (%s)', (backend) => {
  let k: TestKura;
  let other: OpenCore;
  let u: TestUser;
  let one: { sha256: string; mime: string };
  const counted = async (subject: string) => {
    const rows = await k.core.database.db.selectFrom('rate_limits').selectAll().where('key', '=', `thumbnail-render:${subject}`).execute();
    return rows.reduce((n, r) => n + Number(r.count), 0);
  };

  beforeAll(async () => {
    k = await startKura(backend, { KURA_THUMBNAIL_RENDERS_PER_MINUTE: '3' });
    other = await openCore(k.config);
    u = await k.user();
    one = await uploadOne(k.url, u.auth, u.rootId, 'p.jpg', await photo(1500, 1000));
  });
  afterAll(async () => {
    await other.close();
    await k.stop();
  });

  it('refuses a client’s new renderings past the limit on every node, never what is kept', async () => {
    const client = 'addr:10.1.1.1';
    for (const size of [64, 128, 172]) await k.core.derivatives.get(one.sha256, one.mime, { kind: 'short-edge', size }, { client });
    const refused = await other.derivatives.get(one.sha256, one.mime, { kind: 'short-edge', size: 256 }, { client }).then(
      () => undefined,
      (e: unknown) => e as { code: string; details: { retryAfter: number } },
    );
    expect(refused?.code).toBe('rate_limited');
    expect(refused!.details.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused!.details.retryAfter).toBeLessThanOrEqual(60);
    await expect(k.core.derivatives.get(one.sha256, one.mime, { kind: 'long-edge', size: 64 }, { client })).rejects.toMatchObject({ code: 'rate_limited' });
    expect(await k.core.database.db.selectFrom('derivatives').selectAll().where('source_hash', '=', one.sha256).execute()).toHaveLength(3);
    // What is kept stays served to the limited client, any size made from it too, with no count written.
    const before = await counted(client);
    for (const core of [k.core, other]) {
      expect(await core.derivatives.get(one.sha256, one.mime, { kind: 'short-edge', size: 64 }, { client })).toMatchObject({ width: 96, height: 64 });
      expect(await core.derivatives.get(one.sha256, one.mime, { kind: 'short-edge', size: 100 }, { client })).toMatchObject({ width: 150, height: 100 });
      expect(await core.derivatives.get(one.sha256, one.mime, { kind: 'cover', width: 150, height: 150 }, { client })).toMatchObject({ width: 150, height: 150 });
    }
    expect(await counted(client)).toBe(before);
    // Another client is not limited; what it made is then served to the limited one.
    await other.derivatives.get(one.sha256, one.mime, { kind: 'short-edge', size: 256 }, { client: 'addr:10.1.1.2' });
    expect(await k.core.derivatives.get(one.sha256, one.mime, { kind: 'short-edge', size: 200 }, { client })).toMatchObject({ width: 300, height: 200 });
  });

  it('allows new renderings again once the window has passed (the core’s clock)', async () => {
    const fresh = await uploadOne(k.url, u.auth, u.rootId, 'q.jpg', await photo(900, 600));
    let t = Date.now();
    const clock = () => t;
    const store = k.core.database.store;
    const derivatives = new Derivatives(store, k.core.blobs, k.core.images, clock, new RateLimiter(store, clock), thumbnailRenders(2));
    const client = 'addr:10.2.2.2';
    await derivatives.get(fresh.sha256, fresh.mime, { kind: 'long-edge', size: 64 }, { client });
    await derivatives.get(fresh.sha256, fresh.mime, { kind: 'long-edge', size: 128 }, { client });
    await expect(derivatives.get(fresh.sha256, fresh.mime, { kind: 'long-edge', size: 172 }, { client })).rejects.toMatchObject({ code: 'rate_limited' });
    t += 120_000;
    expect(await derivatives.get(fresh.sha256, fresh.mime, { kind: 'long-edge', size: 172 }, { client })).toMatchObject({ width: 172, height: 115 });
  });
});
