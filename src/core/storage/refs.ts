import { setTimeout as sleep } from 'node:timers/promises';
import { KuraError } from '../errors.js';
import { UniqueViolation, type BlobInfo, type BlobStore, type MetadataStore, type Repos, type StagedBlob } from '../ports/index.js';

/**
 * Blob references and the order that keeps bytes and metadata consistent (bytes first,
 * decision 0002):
 *   stage (temp, hashed) → commit (bytes under their hash) → metadata transaction that
 *   claims a reference; when that claim (re)creates the blob row, the bytes are checked,
 *   and committed again from staging if GC removed them meanwhile, before the transaction
 *   commits → discard the staging copy.
 * So no committed metadata ever names bytes that are not in the store. GC marks a blob
 * 'deleting' before it removes bytes (also for objects no row names: it inserts the row
 * marked); a claim never succeeds on such a row, so it waits until GC is done.
 */
export class BlobBusy extends Error {}

/**
 * Claims one reference to staged content inside a metadata transaction. The content must
 * have been committed before the transaction began; this only re-commits it (a stat or
 * HEAD, then a copy only if GC removed it) when the claim made the row anew.
 */
export async function claimStaged(tx: Repos, blobs: BlobStore, staged: StagedBlob, info: BlobInfo, now: number): Promise<number> {
  const rc = await tx.blobs.claim(info, now);
  if (rc === undefined) throw new BlobBusy(info.hash);
  if (rc === 1) await blobs.commit(staged);
  return rc;
}

/**
 * Runs a metadata transaction, retrying while GC holds a blob it claims and mapping
 * uniqueness violations (a name taken among live siblings) to `name_conflict`.
 */
export async function runClaimingTx<T>(store: MetadataStore, fn: (tx: Repos) => Promise<T>, conflictMessage = 'an item with this name already exists'): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await store.transaction(fn);
    } catch (e) {
      if (e instanceof BlobBusy && attempt < 100) {
        await sleep(50);
        continue;
      }
      if (e instanceof BlobBusy) throw new KuraError('conflict', 'the content is being removed by garbage collection; try again');
      if (e instanceof UniqueViolation) throw new KuraError('name_conflict', conflictMessage);
      throw e;
    }
  }
}
