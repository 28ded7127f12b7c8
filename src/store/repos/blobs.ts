import { sql } from 'kysely';
import type { Db } from '../schema.js';

export interface BlobInfo {
  hash: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
}

/**
 * Adds one reference to a blob, creating its row when new. Returns the refcount after the
 * claim (1 means the caller must make sure the bytes are in the store), or undefined when
 * the blob is being deleted by GC right now: the caller retries shortly.
 */
export async function claimBlob(db: Db, b: BlobInfo, now: number, refs = 1): Promise<number | undefined> {
  const row = await db
    .insertInto('blobs')
    .values({ ...b, refcount: refs, state: 'live', touched_at: now, created_at: now })
    .onConflict((oc) =>
      oc
        .column('hash')
        .doUpdateSet({ refcount: sql`blobs.refcount + ${refs}`, touched_at: now })
        .where('blobs.state', '=', 'live'),
    )
    .returning('refcount')
    .executeTakeFirst();
  return row ? Number(row.refcount) : undefined;
}

/** Adds references to blobs known to be live (a copy references what its source does). */
export const addRefs = (db: Db, hash: string, n: number, now: number) =>
  db.updateTable('blobs').set({ refcount: sql`refcount + ${n}`, touched_at: now }).where('hash', '=', hash).execute();

export const releaseBlob = (db: Db, hash: string, n: number, now: number) =>
  db.updateTable('blobs').set({ refcount: sql`refcount - ${n}`, touched_at: now }).where('hash', '=', hash).execute();

/** Unreferenced blobs untouched since `before`: GC candidates. */
export const unreferencedBlobs = (db: Db, before: number, limit: number) =>
  db.selectFrom('blobs').select('hash').where('refcount', '<=', 0).where('touched_at', '<', before).where('state', '=', 'live').limit(limit).execute();

/** GC step 1: mark for deletion if still unreferenced. True when this caller won the mark. */
export async function markDeleting(db: Db, hash: string, before: number): Promise<boolean> {
  const r = await db
    .updateTable('blobs')
    .set({ state: 'deleting' })
    .where('hash', '=', hash)
    .where('refcount', '<=', 0)
    .where('touched_at', '<', before)
    .where('state', '=', 'live')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** GC step 3 (after the bytes are gone). */
export const deleteBlobRow = (db: Db, hash: string) => db.deleteFrom('blobs').where('hash', '=', hash).where('state', '=', 'deleting').execute();

/** Pages through every blob row, for fsck. */
export const blobPage = (db: Db, after: string, limit: number) =>
  db.selectFrom('blobs').selectAll().where('hash', '>', after).orderBy('hash').limit(limit).execute();

/** Reference counts recomputed from versions and derivatives, for fsck. */
export async function countedRefs(db: Db, hash: string): Promise<number> {
  const v = await db.selectFrom('versions').select((eb) => eb.fn.countAll<number>().as('n')).where('blob_hash', '=', hash).executeTakeFirstOrThrow();
  const d = await db.selectFrom('derivatives').select((eb) => eb.fn.countAll<number>().as('n')).where('blob_hash', '=', hash).executeTakeFirstOrThrow();
  return Number(v.n) + Number(d.n);
}

/** Which of `hashes` have a row. */
export async function knownHashes(db: Db, hashes: string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await db.selectFrom('blobs').select('hash').where('hash', 'in', hashes).execute();
  return new Set(rows.map((r) => r.hash));
}

/**
 * GC step 1 for an object no row names: records it as 'deleting' (so a concurrent upload
 * of the same content waits), unless a row appeared meanwhile. True when this caller won.
 */
export async function markOrphanDeleting(db: Db, hash: string, size: number, now: number): Promise<boolean> {
  const r = await db
    .insertInto('blobs')
    .values({ hash, size, mime: 'application/octet-stream', width: null, height: null, refcount: 0, state: 'deleting', touched_at: now, created_at: now })
    .onConflict((oc) => oc.column('hash').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** The size of a blob as recorded (0 when unknown). */
export async function blobSize(db: Db, hash: string): Promise<number> {
  const row = await db.selectFrom('blobs').select('size').where('hash', '=', hash).executeTakeFirst();
  return Number(row?.size ?? 0);
}
