import type { Readable } from 'node:stream';

/** Inclusive byte range, as in HTTP `Range`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Bytes that were streamed into a blob store's staging area and hashed on the way. */
export interface StagedBlob {
  /** Lowercase hex SHA-256 of the content. */
  hash: string;
  size: number;
  /** The first bytes (up to 4100) of the content, for MIME sniffing. */
  head: Buffer;
  /** Opaque staging key, meaningful only to the store that made it. */
  key: string;
}

export interface StageOptions {
  /** Abort with KuraError('payload_too_large') as soon as more bytes arrive; nothing is kept. */
  maxBytes: number;
}

/** One stored piece of an unfinished sliced upload. */
export interface StoredPiece {
  /** Opaque key within its session, meaningful only to the store that made it. */
  key: string;
  size: number;
  /** Lowercase hex SHA-256 of the piece. */
  hash: string;
}

/** An object in the store, as listed by `list()` (used by fsck and GC). */
export interface StoredBlob {
  hash: string;
  size: number;
}

/**
 * Content-addressed byte storage. Implementations: local disk and S3. Both pass
 * test/blobs.contract.test.ts.
 */
export interface BlobStore {
  readonly kind: 'local' | 's3';
  /** Prepare the store and remove staging leftovers of processes that no longer run. */
  init(): Promise<void>;
  /** Stream `source` into staging while hashing; on any error the staging data is removed. */
  stage(source: Readable, opts: StageOptions): Promise<StagedBlob>;
  /** Make staged content readable under its hash. Idempotent; a no-op if the hash exists. */
  commit(staged: StagedBlob): Promise<void>;
  /** Remove staging data. Idempotent. */
  discard(staged: StagedBlob): Promise<void>;
  has(hash: string): Promise<boolean>;
  /** Stream content (a byte range of it); KuraError('not_found') if absent. */
  read(hash: string, range?: ByteRange): Promise<Readable>;
  /** Idempotent. */
  delete(hash: string): Promise<void>;
  list(): AsyncIterable<StoredBlob>;
  /**
   * Pieces of sliced uploads live apart from content, grouped by session (a 32-hex-digit
   * id), until the upload completes or expires. Pieces are written without fsync: the core
   * keeps each piece's SHA-256 and checks it when it assembles the file.
   */
  putPiece(session: string, source: Readable, opts: StageOptions): Promise<StoredPiece>;
  readPiece(session: string, key: string, range?: ByteRange): Promise<Readable>;
  /** Idempotent. */
  deletePiece(session: string, key: string): Promise<void>;
  /** Removes every piece of a session. Idempotent. */
  deletePieces(session: string): Promise<void>;
  close(): Promise<void>;
}
