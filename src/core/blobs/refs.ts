import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Schema } from '../../store/schema.js';
import { isUniqueViolation } from '../../store/db.js';
import { claimBlob, type BlobInfo } from '../../store/repos/blobs.js';
import type { Db } from '../../store/schema.js';
import { KuraError } from '../errors.js';
import type { BlobStore, StagedBlob } from '../ports.js';

/**
 * Blob references and the order that keeps bytes and metadata consistent:
 *   stage (temp, hashed) → commit (bytes under their hash) → metadata transaction that
 *   claims a reference → if this claim made the blob live again, make sure the bytes are
 *   there (GC may have removed them in between) → discard the staging copy.
 * GC marks a blob 'deleting' before it removes bytes; a claim never succeeds on such a
 * row, so it waits until GC is done and then re-creates both.
 */
export class BlobBusy extends Error {}

export async function claimInTx(db: Db, info: BlobInfo, now: number): Promise<number> {
  const rc = await claimBlob(db, info, now);
  if (rc === undefined) throw new BlobBusy(info.hash);
  return rc;
}

/**
 * Runs a metadata transaction that claims blobs, retrying while GC holds one of them and
 * mapping unique violations to `name_conflict`.
 */
export async function runClaimingTx<T>(db: Kysely<Schema>, fn: (trx: Db) => Promise<T>, conflictMessage = 'an item with this name already exists'): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute(fn);
    } catch (e) {
      if (e instanceof BlobBusy && attempt < 100) {
        await sleep(50);
        continue;
      }
      if (isUniqueViolation(e)) throw new KuraError('name_conflict', conflictMessage);
      throw e;
    }
  }
}

/** After a claim that returned refcount 1: the bytes must exist under the hash. */
export async function ensureCommitted(blobs: BlobStore, staged: StagedBlob): Promise<void> {
  if (!(await blobs.has(staged.hash))) await blobs.commit(staged);
}
