import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.js';
import { body, bytes, sha256, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';

describe.each(backends)('garbage collection (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  beforeAll(async () => {
    k = await startKura(backend, { KURA_GC_GRACE_SECONDS: '0' });
    u = await k.user();
  });
  afterAll(() => k.stop());

  const blobRow = (hash: string) => k.core.database.db.selectFrom('blobs').selectAll().where('hash', '=', hash).executeTakeFirst();

  it('deletes content no version references, keeps shared content', async () => {
    const actor = { userId: u.id, role: 'user' as const };
    const space = await k.core.spaces.create(actor, { kind: 'group', name: 'doomed' });
    const lonely = bytes(30_000, 501);
    const shared = bytes(30_000, 502);
    const a = await uploadOne(k.url, u.auth, space.rootId, 'lonely.bin', lonely);
    await uploadOne(k.url, u.auth, space.rootId, 'shared.bin', shared);
    const keep = await uploadOne(k.url, u.auth, u.rootId, 'shared-too.bin', shared);
    await k.core.spaces.remove(space.id);
    expect(Number((await blobRow(a.sha256))!.refcount)).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    const r = await k.core.gc();
    expect(r.deleted).toBeGreaterThanOrEqual(1);
    expect(await blobRow(a.sha256)).toBeUndefined();
    expect(await k.core.blobs.has(a.sha256)).toBe(false);
    expect(Number((await blobRow(sha256(shared)))!.refcount)).toBe(1);
    const res = await fetch(`${k.url}/api/v1/items/${keep.id}/content`, { headers: u.auth });
    expect(sha256(await body(res))).toBe(sha256(shared));
  });

  it('releases a thumbnail two sources share once per source, so it goes with the last of them', async () => {
    const actor = { userId: u.id, role: 'user' as const };
    const space = await k.core.spaces.create(actor, { kind: 'group', name: 'twins' });
    const sharp = (await import('sharp')).default;
    const jpeg = await sharp({ create: { width: 128, height: 96, channels: 3, background: { r: 200, g: 40, b: 90 } } }).jpeg().toBuffer();
    // The same pixels, another file (bytes after the end of the image): one thumbnail for both.
    const a = await uploadOne(k.url, u.auth, space.rootId, 'a.jpg', jpeg);
    const b = await uploadOne(k.url, u.auth, space.rootId, 'b.jpg', Buffer.concat([jpeg, Buffer.from('trailer')]));
    expect(a.sha256).not.toBe(b.sha256);
    // A step of the thumbnail ladder: kept as a blob (other sizes are made from it in memory).
    const recipe = { kind: 'short-edge', size: 64 } as const;
    const ta = await k.core.derivatives.get(a.sha256, 'image/jpeg', recipe);
    const tb = await k.core.derivatives.get(b.sha256, 'image/jpeg', recipe);
    expect(tb.hash).toBe(ta.hash);
    expect(Number((await blobRow(ta.hash))!.refcount)).toBe(2);
    await k.core.spaces.remove(space.id);
    await new Promise((r) => setTimeout(r, 5));
    await k.core.gc();
    // The sources went in that run, and released the thumbnail twice; the next run takes it.
    expect(await blobRow(a.sha256)).toBeUndefined();
    expect(await blobRow(b.sha256)).toBeUndefined();
    expect(Number((await blobRow(ta.hash))?.refcount ?? 0)).toBeLessThanOrEqual(0);
    await new Promise((r) => setTimeout(r, 5));
    await k.core.gc();
    expect(await blobRow(ta.hash)).toBeUndefined();
    expect((await k.core.fsck()).problems).toEqual([]);
  });

  it('an upload of content GC is deleting waits, then stores the bytes again', async () => {
    const data = bytes(40_000, 503);
    const hash = sha256(data);
    const actor = { userId: u.id, role: 'user' as const };
    const space = await k.core.spaces.create(actor, { kind: 'group', name: 'race' });
    await uploadOne(k.url, u.auth, space.rootId, 'first.bin', data);
    await k.core.spaces.remove(space.id);
    await new Promise((r) => setTimeout(r, 5));
    // GC step 1 happens; steps 2 and 3 are delayed while an upload of the same bytes arrives.
    expect(await k.core.database.store.blobs.markDeleting([hash], Date.now())).toEqual([{ hash, size: data.length }]);
    let done = false;
    const upload = k.core.uploads.upload(actor, u.rootId, { name: 'again.bin', stream: Readable.from([data]) }).finally(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    await k.core.blobs.delete(hash);
    await k.core.database.store.blobs.deleteRows([hash]);
    const item = await upload;
    expect(item.sha256).toBe(hash);
    expect(Number((await blobRow(hash))!.refcount)).toBe(1);
    expect(await k.core.blobs.has(hash)).toBe(true);
    const res = await fetch(`${k.url}/api/v1/items/${item.id}/content`, { headers: u.auth });
    expect(sha256(await body(res))).toBe(hash);
  });

  it('removes objects no row names and piece folders no session owns, sparing those in use', async () => {
    const blobs = k.core.blobs;
    const orphan = await blobs.stage(Readable.from([bytes(12_345, 504)]), { maxBytes: 1e6 });
    await blobs.commit(orphan);
    await blobs.discard(orphan);
    const kept = await uploadOne(k.url, u.auth, u.rootId, 'kept.bin', bytes(10_000, 505));
    const lost = 'ef'.repeat(16);
    await blobs.putPiece(lost, 0, Readable.from([bytes(100, 506)]), { maxBytes: 100, known: [] });
    const open = await fetch(`${k.url}/api/v1/uploads`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ key: 'gc-open', folderId: u.rootId, name: 'open.bin', length: 200 }) });
    expect(open.status).toBe(201);
    expect((await fetch(`${k.url}/api/v1/uploads/gc-open?offset=0`, { method: 'PUT', headers: { ...u.auth, 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes(100, 507)) })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5));
    const r = await k.core.gc();
    expect(r.orphans).toBe(1);
    expect(r.sessions).toBe(1);
    expect(await blobs.has(orphan.hash)).toBe(false);
    expect(await blobRow(orphan.hash)).toBeUndefined();
    expect(await blobs.has(kept.sha256)).toBe(true);
    const sessions = [];
    for await (const x of blobs.pieceSessions()) sessions.push(x.session);
    expect(sessions).not.toContain(lost);
    expect(sessions).toHaveLength(1);
    // The open upload goes on.
    const done = await fetch(`${k.url}/api/v1/uploads/gc-open?offset=100`, { method: 'PUT', headers: { ...u.auth, 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes(100, 508)) });
    expect(done.status).toBe(201);
  });

  it('keeps unnamed objects younger than the grace period', async () => {
    const k2 = await startKura(backend);
    try {
      const orphan = await k2.core.blobs.stage(Readable.from([bytes(2_000, 509)]), { maxBytes: 1e6 });
      await k2.core.blobs.commit(orphan);
      await k2.core.blobs.discard(orphan);
      expect((await k2.core.gc()).orphans).toBe(0);
      expect(await k2.core.blobs.has(orphan.hash)).toBe(true);
    } finally {
      await k2.stop();
    }
  });

  it('prunes versions beyond KURA_VERSION_CAP and gives their bytes back to the quota', async () => {
    const k2 = await startKura(backend, { KURA_VERSION_CAP: '2' });
    try {
      const v = await k2.user();
      const f = await uploadOne(k2.url, v.auth, v.rootId, 'capped.txt', 'one');
      for (const text of ['two!', 'three']) {
        const r = await fetch(`${k2.url}/api/v1/items/${f.id}/versions`, { method: 'POST', headers: { ...v.auth, 'content-type': 'application/octet-stream' }, body: text });
        expect(r.status).toBe(201);
      }
      const versions = (await (await fetch(`${k2.url}/api/v1/items/${f.id}/versions`, { headers: v.auth })).json()).versions;
      expect(versions.map((x: { number: number }) => x.number)).toEqual([3, 2]);
      const space = await (await fetch(`${k2.url}/api/v1/spaces/${v.spaceId}`, { headers: v.auth })).json();
      expect(space.usage.bytes).toBe(4 + 5);
    } finally {
      await k2.stop();
    }
  });
});
