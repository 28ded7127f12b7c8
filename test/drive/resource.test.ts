import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { MISS_LIMIT } from '../../src/core/public/service.js';
import { backends } from '../helpers/backends.js';
import { body, json, sha256, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

/** Native uploads are private unless asked: these files are read by id without a token. */
const PUBLIC = '?public=true';

const photo = (width: number, height: number, orientation?: number) => {
  const img = sharp({ create: { width, height, channels: 3, background: '#3366aa', noise: { type: 'gaussian', mean: 120, sigma: 40 } } }).jpeg({ quality: 85 });
  return (orientation ? img.withMetadata({ orientation }) : img).toBuffer();
};

describe.each(backends)('drive resource (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  const resource = (id: number, type?: number) => fetch(`${k.url}/v1/file/resource?Id=${toObjectId(id)}${type === undefined ? '' : `&Type=${type}`}`);
  beforeAll(async () => {
    k = await startKura(backend, { KURA_GC_GRACE_SECONDS: '0' });
    u = await k.user();
  });
  afterAll(() => k.stop());

  it('serves the original without a token, byte for byte', async () => {
    const data = await photo(300, 200);
    const item = await uploadOne(k.url, u.auth, u.rootId, 'p.jpg', data, PUBLIC);
    const res = await resource(item.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(sha256(await body(res))).toBe(sha256(data));
  });

  it('makes a JPEG thumbnail of a 12-megapixel photo once, re-oriented, and keeps it', async () => {
    const data = await photo(4000, 3000);
    const item = await uploadOne(k.url, u.auth, u.rootId, 'big.jpg', data, PUBLIC);
    const first = await resource(item.id, 1);
    expect(first.status).toBe(200);
    const thumb = await body(first);
    expect(await sharp(thumb).metadata()).toMatchObject({ format: 'jpeg', width: 256, height: 192 });
    const again = await body(await resource(item.id, 1));
    expect(sha256(again)).toBe(sha256(thumb));
    const rows = await k.core.database.db.selectFrom('derivatives').selectAll().where('source_hash', '=', item.sha256).execute();
    expect(rows).toHaveLength(1);
    // EXIF orientation 6: stored 400×200, shown 200×400 → thumbnail 128×256.
    const turned = await uploadOne(k.url, u.auth, u.rootId, 'turned.jpg', await photo(400, 200, 6), PUBLIC);
    expect(await sharp(await body(await resource(turned.id, 1))).metadata()).toMatchObject({ width: 128, height: 256 });
    const report = await k.core.fsck();
    expect(report.problems).toEqual([]);
  });

  it('answers 415 for thumbnails of non-images and 400 for a bad Type', async () => {
    const txt = await uploadOne(k.url, u.auth, u.rootId, 'notes.txt', 'text', PUBLIC);
    const res = await resource(txt.id, 1);
    expect(res.status).toBe(415);
    expect((await json(res)).IsOk).toBe(false);
    expect((await resource(txt.id, 5)).status).toBe(400);
    const broken = await uploadOne(k.url, u.auth, u.rootId, 'broken.png', Buffer.concat([(await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).png().toBuffer()).subarray(0, 40)]), PUBLIC);
    expect((await resource(broken.id, 1)).status).toBe(415);
  });

  it('refuses trashed files and unknown ids; GC drops thumbnails with their source', async () => {
    const data = await photo(500, 500);
    const item = await uploadOne(k.url, u.auth, u.rootId, 'gone.jpg', data, PUBLIC);
    expect((await resource(item.id, 1)).status).toBe(200);
    await fetch(`${k.url}/api/v1/items/${item.id}`, { method: 'DELETE', headers: u.auth });
    expect((await resource(item.id)).status).toBe(404);
    expect((await resource(item.id, 1)).status).toBe(404);
    await fetch(`${k.url}/api/v1/spaces/${u.spaceId}/trash/${item.id}`, { method: 'DELETE', headers: u.auth });
    await new Promise((r) => setTimeout(r, 5));
    await k.core.gc();
    await new Promise((r) => setTimeout(r, 5));
    await k.core.gc();
    expect(await k.core.database.db.selectFrom('derivatives').selectAll().where('source_hash', '=', item.sha256).execute()).toEqual([]);
    expect(await k.core.blobs.has(item.sha256)).toBe(false);
    expect((await k.core.fsck()).problems).toEqual([]);
  });
});

describe('public read misses are rate limited (shared counter)', () => {
  it(`answers 429 after ${MISS_LIMIT} misses a minute, to every public read of that client, known ids included`, async () => {
    const k = await startKura('sqlite');
    try {
      const u = await k.user();
      const item = await uploadOne(k.url, u.auth, u.rootId, 'ok.txt', 'fine', PUBLIC);
      for (let i = 0; i < MISS_LIMIT; i++) expect((await fetch(`${k.url}/v1/file/resource?Id=${toObjectId(1000 + i)}`)).status).toBe(404);
      const limited = await fetch(`${k.url}/v1/file/resource?Id=${toObjectId(5000)}`);
      expect(limited.status).toBe(429);
      expect((await json(limited)).Code).toBe(429);
      // A limited client cannot tell an existing private file from a missing one either.
      expect((await fetch(`${k.url}/v1/file/resource?Id=${toObjectId(u.rootId)}`)).status).toBe(429);
      // Nor a file it may read: once limited, every public read is (ids cannot be probed).
      const known = await fetch(`${k.url}/v1/file/resource?Id=${toObjectId(item.id)}`);
      expect(known.status).toBe(429);
      expect(Number(known.headers.get('retry-after'))).toBeGreaterThan(0);
      // Signed-in reads are not public reads: the owner still gets the file.
      expect(await (await fetch(`${k.url}/api/v1/items/${item.id}/content`, { headers: u.auth })).text()).toBe('fine');
      // The counter lives in the database, where every node reads it.
      const rows = await k.core.database.db.selectFrom('rate_limits').selectAll().execute();
      expect(rows.some((r) => Number(r.count) >= MISS_LIMIT)).toBe(true);
    } finally {
      await k.stop();
    }
  });
});

describe.each(backends)('drive thumbnails not made yet are rate limited per client (%s)', (backend) => {
  it('answers 429 with Retry-After in the envelope past the limit; thumbnails already made are still served', async () => {
    const k = await startKura(backend, { KURA_THUMBNAIL_RENDERS_PER_MINUTE: '2' });
    try {
      const u = await k.user();
      const items = [];
      for (let i = 0; i < 3; i++) items.push(await uploadOne(k.url, u.auth, u.rootId, `p${i}.jpg`, await photo(400 + i, 300), PUBLIC));
      const thumb = (id: number) => fetch(`${k.url}/v1/file/resource?Id=${toObjectId(id)}&Type=1`);
      expect((await thumb(items[0].id)).status).toBe(200);
      expect((await thumb(items[1].id)).status).toBe(200);
      const limited = await thumb(items[2].id);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await json(limited)).toMatchObject({ IsOk: false, Code: 429 });
      // Made ones are never limited; originals are not thumbnails.
      expect((await thumb(items[0].id)).status).toBe(200);
      expect((await resourceOf(k, items[2].id)).status).toBe(200);
    } finally {
      await k.stop();
    }
  });
});

const resourceOf = (k: TestKura, id: number) => fetch(`${k.url}/v1/file/resource?Id=${toObjectId(id)}`);
