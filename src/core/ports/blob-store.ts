import type { Readable } from 'node:stream';
import { KuraError } from '../errors.js';

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

/** Half-open byte span [start, end). */
export interface Span {
  start: number;
  end: number;
}

/** What a store answers for a piece of a sliced upload it has stored. */
export interface StoredPiece {
  /** Opaque key within its session, meaningful only to the store that made it. */
  key: string;
  size: number;
  /**
   * The store's write epoch when the piece was written. A piece of an earlier epoch may have
   * been lost (local disk: pieces are not fsynced, and the epoch is the machine's boot id);
   * '' for stores whose pieces are durable once written (S3).
   */
  epoch: string;
}

/** A recorded piece: where it sits in the file. */
export interface PieceRef extends StoredPiece {
  start: number;
}

export interface PieceOptions extends StageOptions {
  /** Spans already received. A store that writes pieces in place compares these bytes instead of writing them. */
  known: Span[];
}

/** An object in the store, as listed by `list()` (used by fsck and GC). */
export interface StoredBlob {
  hash: string;
  size: number;
  /** When its bytes were written (epoch ms): GC spares objects younger than its grace period. */
  modifiedAt: number;
}

/** The pieces of one sliced-upload session, as listed by `pieceSessions()` (used by GC). */
export interface StoredSession {
  session: string;
  /** The latest write to any of its pieces (epoch ms). */
  modifiedAt: number;
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
  /**
   * Stores on the local filesystem only: the file that holds content `hash` (which may be
   * missing), for readers that open it themselves, such as the image engine (a decoder
   * reads it in small pieces instead of a copy of the whole in memory).
   */
  localFile?(hash: string): string;
  /** Idempotent. */
  delete(hash: string): Promise<void>;
  list(): AsyncIterable<StoredBlob>;
  /**
   * Pieces of sliced uploads, grouped by session (32 hex digits) until the upload completes
   * or expires. The core forgets pieces whose `epoch` is not `pieceEpoch` (lost). A store
   * with `piecesInPlace` writes every piece into one file per session at its offset and
   * fails a piece with KuraError('conflict') when it differs from `known` bytes; the others
   * keep each piece apart and leave comparing to the core.
   */
  readonly piecesInPlace: boolean;
  readonly pieceEpoch: string;
  putPiece(session: string, start: number, source: Readable, opts: PieceOptions): Promise<StoredPiece>;
  readPiece(session: string, piece: PieceRef, range?: ByteRange): Promise<Readable>;
  /** Drops a piece that was not recorded. Idempotent. */
  deletePiece(session: string, piece: PieceRef): Promise<void>;
  /** Removes every piece of a session. Idempotent. */
  deletePieces(session: string): Promise<void>;
  /** Every session that has pieces in the store, page by page (GC removes those no row names). */
  pieceSessions(): AsyncIterable<StoredSession>;
  /**
   * Stages the whole file from pieces covering [0, length) (DamagedPiece names one that is
   * shorter than recorded). The session's pieces stay until deletePieces.
   */
  assemble(session: string, pieces: PieceRef[], length: number): Promise<StagedBlob>;
  close(): Promise<void>;
}

/** A piece whose stored bytes are not what was recorded when it arrived. */
export class DamagedPiece extends KuraError {
  constructor(readonly piece: PieceRef) {
    super('conflict', `the slice at offset ${piece.start} was lost in storage; send it again`, { offset: piece.start, length: piece.size });
  }
}
