import type { UploadProtocol, UploadState } from '../../domain.js';

export interface UploadSessionRow {
  /** 32 random hex digits; names the session's pieces in the blob store. */
  id: string;
  user_id: number;
  /** The client's key (drive FileTempId, lowercased); unique per user. */
  client_key: string;
  space_id: number;
  /** New file: the folder it goes into. */
  parent_id: number | null;
  /** New version: the file it updates. */
  item_id: number | null;
  name: string;
  length: number;
  /**
   * Bytes reserved against the space quota until completion or expiry: the length, or while
   * it is still to be declared, the end of the bytes received so far.
   */
  reserved: number;
  /** 1 when it holds a file reservation of the space's file quota (a new file), else 0. */
  reserved_files: number;
  state: UploadState;
  /** The file made on completion. */
  result_id: number | null;
  /** The content made on completion. */
  result_hash: string | null;
  /** Who is assembling it (a random claim), while `state` is 'assembling'. */
  assembler: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
  /** The protocol that started it; only that one continues it. */
  protocol: UploadProtocol;
  /** 1 while the length is still to be declared (then `length` is 0). */
  deferred: number;
  /** The client's metadata as it sent it (tus Upload-Metadata), answered back on request. */
  meta: string | null;
  /** What completion does when the name is taken in the folder. */
  on_conflict: 'fail' | 'rename' | 'version';
  /** Its part in a concatenation: 'partial', or 'final' followed by the keys of its parts. */
  concat: string | null;
  /** 1: the file it makes is readable by id without a credential (items.public_read). */
  public_read: number;
  /** The write conditions it was opened with (JSON of core/guard Conditions), judged again on completion. */
  conditions: string | null;
}

export interface UploadPieceRow {
  session_id: string;
  key: string;
  start: number;
  size: number;
  /** The blob store's write epoch when the piece was written ('' for durable stores). */
  epoch: string;
  created_at: number;
}

export interface UploadRepo {
  byKey(userId: number, clientKey: string): Promise<UploadSessionRow | undefined>;
  byId(id: string): Promise<UploadSessionRow | undefined>;
  insert(row: UploadSessionRow): Promise<void>;
  /** Pieces of a session in byte order. */
  pieces(sessionId: string): Promise<UploadPieceRow[]>;
  insertPiece(row: UploadPieceRow): Promise<void>;
  deletePiece(sessionId: string, key: string): Promise<void>;
  deletePieces(sessionId: string): Promise<void>;
  /** Moves a session from one of `from` to `to`; true if this call did it (the others lost the race). */
  move(id: string, from: { state: UploadState; updatedBefore?: number }[], to: Partial<UploadSessionRow>): Promise<boolean>;
  /** Renews an assembler's lease (only while that claim holds it); false when it was lost. */
  heartbeat(id: string, assembler: string, now: number): Promise<boolean>;
  /**
   * Declares the length of a session opened without one, reserving it; false unless it was
   * still undeclared, open and reserving `reservedWas` (so no concurrent change is lost).
   */
  declareLength(id: string, length: number, reservedWas: number): Promise<boolean>;
  /** Raises the reservation of an undeclared open session from `from` to `to`; false when it changed meanwhile. */
  growReserved(id: string, from: number, to: number): Promise<boolean>;
  /**
   * The upload sessions a user holds open (open or assembling, not yet expired at `now`)
   * and the bytes they reserve. With `lock` (inside a transaction) it first locks the
   * user's row, so one user's concurrent reservations are counted one after the other.
   */
  heldBy(userId: number, now: number, lock: boolean): Promise<{ sessions: number; reserved: number }>;
  /** Keeps an open session alive. */
  touch(id: string, now: number, expiresAt: number): Promise<void>;
  /** Sessions whose time is up (a few at a time), of one space when `spaceId` is given. */
  expired(now: number, limit: number, spaceId?: number): Promise<UploadSessionRow[]>;
  /** Deletes a session and its piece rows; true if this call did it. */
  delete(id: string): Promise<boolean>;
  /** Ids of the sessions that upload into a space. */
  ofSpace(spaceId: number): Promise<string[]>;
  /** A user's sessions (every state). */
  ofUser(userId: number): Promise<UploadSessionRow[]>;
  /** Which of `ids` are sessions that still exist. */
  known(ids: string[]): Promise<Set<string>>;
  /** Sessions not yet completed (open or assembling), expired or not, and the bytes they reserve. */
  openTotals(): Promise<{ sessions: number; reserved: number }>;
}

export interface LimitRepo {
  /** Counts one hit of `key` in the window starting at `windowStart`; returns the new count. */
  hit(key: string, windowStart: number): Promise<number>;
  /** The count of `key` in that window (0 when none). */
  count(key: string, windowStart: number): Promise<number>;
  /** Drops windows that started before `before`. */
  prune(before: number): Promise<void>;
}
