import type { Kysely } from 'kysely';
import type { Schema } from '../../store/schema.js';
import { deleteBlobRow, markDeleting, releaseBlob, unreferencedBlobs } from '../../store/repos/blobs.js';
import { deleteDerivativesFrom, derivativesFrom } from '../../store/repos/derivatives.js';
import type { BlobStore } from '../ports.js';

/**
 * Deletes blobs that no version references any more, once they have stayed unreferenced
 * for the grace period. Each blob is first marked 'deleting' (an upload claiming it then
 * waits), its bytes removed, then its row. Safe to run on several nodes at once: the mark
 * is a conditional update only one of them wins.
 */
export async function collectGarbage(db: Kysely<Schema>, blobs: BlobStore, now: number, graceMs: number): Promise<{ deleted: number; bytes: number }> {
  const before = now - graceMs;
  let deleted = 0;
  let bytes = 0;
  for (;;) {
    const batch = await unreferencedBlobs(db, before, 200);
    if (batch.length === 0) break;
    for (const { hash } of batch) {
      if (!(await markDeleting(db, hash, before))) continue;
      // Thumbnails made of this content go with it (their own blobs follow in a later pass).
      for (const d of await derivativesFrom(db, hash)) await releaseBlob(db, d.blob_hash, 1, now);
      await deleteDerivativesFrom(db, hash);
      const row = await db.selectFrom('blobs').select('size').where('hash', '=', hash).executeTakeFirst();
      await blobs.delete(hash);
      await deleteBlobRow(db, hash);
      deleted++;
      bytes += Number(row?.size ?? 0);
    }
    if (batch.length < 200) break;
  }
  return { deleted, bytes };
}
