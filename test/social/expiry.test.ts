import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { bytes, sha256 } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

/** The core's expiry sweep (part of every GC run): items past expires_at go for good. */
describe.each(backends)('expiry sweep (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  beforeAll(async () => {
    k = await startKura(backend, { KURA_GC_GRACE_SECONDS: '0' });
    u = await k.user();
  });
  afterAll(() => k.stop());

  const actor = () => ({ userId: u.id, role: 'user' as const });
  const put = (name: string, data: Buffer, expiresAt: number | null, folder = u.rootId) => k.core.uploads.upload(actor(), folder, { name, stream: Readable.from([data]) }, { expiresAt });
  const usage = async () => (await k.core.spaces.get(actor(), u.spaceId)).usage.bytes;
  const row = (id: number) => k.core.database.db.selectFrom('items').select('id').where('id', '=', id).executeTakeFirst();

  it('purges expired files and folders for good, credits usage, frees their blobs, keeps the rest', async () => {
    const before = await usage();
    const now = Date.now();
    const gone = await put('gone.bin', bytes(10_000, 901), now - 1);
    const kept = await put('kept.bin', bytes(10_000, 902), now + 3_600_000);
    const plain = await put('plain.bin', bytes(10_000, 903), null);
    // The same content as an expiring file, kept by a file that does not expire.
    const twinData = bytes(12_000, 904);
    const twin = await put('twin.bin', twinData, now - 1);
    const keeper = await put('keeper.bin', twinData, null);
    const folder = await k.core.changes.createFolder(actor(), u.rootId, 'dying');
    const inner = await put('inner.bin', bytes(5_000, 905), null, folder.id);
    await k.core.database.db.updateTable('items').set({ expires_at: now - 1 }).where('id', '=', folder.id).execute();
    // A trashed expired file goes too.
    const trashed = await put('trashed.bin', bytes(3_000, 906), now - 1);
    await k.core.changes.trashMany(actor(), [trashed.id]);
    const r = await k.core.gc();
    expect(r.expired).toBe(4);
    for (const id of [gone.id, twin.id, folder.id, inner.id, trashed.id]) expect(await row(id)).toBeUndefined();
    for (const id of [kept.id, plain.id, keeper.id]) expect(await row(id)).toBeDefined();
    expect(await usage()).toBe(before + 10_000 + 10_000 + 12_000);
    expect(await k.core.blobs.has(gone.sha256!)).toBe(false);
    expect(await k.core.blobs.has(sha256(twinData))).toBe(true);
    // Nothing drifted: the ledger agrees with a recount.
    expect((await k.core.fsck()).problems).toEqual([]);
    // Idempotent: a second run finds nothing.
    expect((await k.core.gc()).expired).toBe(0);
  });

  it('two sweeps at once purge each item once', async () => {
    const before = await usage();
    const now = Date.now();
    for (let i = 0; i < 40; i++) await put(`race-${i}.bin`, bytes(1_000, 1000 + i), now - 1);
    const [a, b] = await Promise.all([k.core.gc(), k.core.gc()]);
    expect(a.expired + b.expired).toBe(40);
    expect(await usage()).toBe(before);
    expect((await k.core.fsck()).problems).toEqual([]);
  });
});
