import { type ByteRange, KuraError } from '../core/index.js';

const HASH = /^[0-9a-f]{64}$/;

/** True for a lowercase hex SHA-256, the only shape a blob name may have. */
export const isHash = (s: string): boolean => HASH.test(s);

/**
 * Refuses anything that is not a lowercase hex SHA-256. Every key is built from a checked
 * hash, so no caller-supplied value can reach `..`, `/` or another prefix of a store.
 */
export function checkHash(hash: string): string {
  if (typeof hash !== 'string' || !HASH.test(hash)) throw new KuraError('bad_request', 'not a SHA-256 content hash');
  return hash;
}

/**
 * The key scheme shared by every backend: `ab/cd/<sha256>`. Two levels of 256 fan-out keep
 * directories (and S3 listing pages) small even with millions of blobs.
 */
export function blobKey(hash: string): string {
  checkHash(hash);
  return `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
}

/**
 * Refuses a range no backend could serve. The HTTP layer resolves `Range` headers against
 * the known size first; this only stops a bad call from reaching fs/S3 with nonsense.
 */
export function checkRange(range: ByteRange | undefined): void {
  if (range === undefined) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new KuraError('range_not_satisfiable', `invalid byte range ${start}-${end}`, { start, end });
  }
}

const SESSION = /^[0-9a-f]{32}$/;
const PIECE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `<session>/<piece>` for a piece of a sliced upload; both parts are checked shapes. */
export function pieceKey(session: string, piece?: string): string {
  if (typeof session !== 'string' || !SESSION.test(session)) throw new KuraError('bad_request', 'not an upload session id');
  if (piece === undefined) return session;
  if (typeof piece !== 'string' || !PIECE.test(piece)) throw new KuraError('bad_request', 'not a piece key');
  return `${session}/${piece}`;
}
