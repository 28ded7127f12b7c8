export interface BlobInfo {
  hash: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
}

export interface BlobRow extends BlobInfo {
  refcount: number;
  /** 'live', or 'deleting' while GC removes the bytes (core/blobs/refs.ts). */
  state: string;
  touched_at: number;
  created_at: number;
}

export interface BlobRepo {
  /**
   * Adds references to a blob, creating its row when new. Returns the refcount after the
   * claim (1: the row was made or revived), or undefined when GC is deleting the blob.
   */
  claim(b: BlobInfo, now: number, refs?: number): Promise<number | undefined>;
  /** Adds references to blobs known to be live (a copy references what its source does). */
  addRefs(hash: string, n: number, now: number): Promise<void>;
  release(hash: string, n: number, now: number): Promise<void>;
  /** Releases many references at once (a statement per distinct count, not per blob); each hash once, with its count. */
  releaseMany(refs: { hash: string; n: number }[], now: number): Promise<void>;
  byHash(hash: string): Promise<BlobRow | undefined>;
  /** Unreferenced blobs untouched since `before`: GC candidates. */
  unreferenced(before: number, limit: number): Promise<{ hash: string }[]>;
  /** Unreferenced blobs touched since `before`: what waits out the grace period. */
  waiting(before: number): Promise<{ blobs: number; bytes: number }>;
  /** Items whose versions hold this content (at most `limit`), for reports. */
  holders(hash: string, limit: number): Promise<{ item_id: number; space_id: number }[]>;
  /**
   * GC step 1: marks for deletion those of `hashes` still unreferenced and untouched since
   * `before`, in one conditional write; answers the ones this caller won, with their sizes.
   */
  markDeleting(hashes: string[], before: number): Promise<{ hash: string; size: number }[]>;
  /** GC step 1 for an object no row names: a 'deleting' row, unless a row exists. True when made. */
  markOrphanDeleting(hash: string, size: number, now: number): Promise<boolean>;
  /** GC's last step, after the bytes are gone (rows marked 'deleting' only). */
  deleteRows(hashes: string[]): Promise<void>;
  /** Which of `hashes` have a row. */
  known(hashes: string[]): Promise<Set<string>>;
  count(): Promise<number>;
  /** Live blobs and their bytes (one aggregate over the table: callers cache it). */
  totals(): Promise<{ blobs: number; bytes: number }>;
  /** Rows in hash order after `after` (for fsck). */
  page(after: string, limit: number): Promise<BlobRow[]>;
  /** References recounted from versions and derivatives (for fsck). */
  countedRefs(hash: string): Promise<number>;
}

export interface DerivativeRow {
  source_hash: string;
  spec: string;
  blob_hash: string;
  created_at: number;
}

export interface DerivativeRepo {
  /** The derivative with its blob's size, type and dimensions. */
  of(sourceHash: string, spec: string): Promise<(DerivativeRow & BlobInfo) | undefined>;
  /** Records a derivative; false when another request recorded it first. */
  insert(row: DerivativeRow): Promise<boolean>;
  /** Derivatives made of any of these contents. */
  from(sourceHashes: string[]): Promise<DerivativeRow[]>;
  deleteFrom(sourceHashes: string[]): Promise<void>;
}
