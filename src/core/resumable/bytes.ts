import type { Readable } from 'node:stream';
import type { CoreContext } from '../context.js';
import { isKuraError, KuraError } from '../errors.js';
import type { PieceRef, Span, UploadSessionRow } from '../ports/index.js';
import { pastRoom, type Room } from './holds.js';
import { type Checksum, Digesting, digesting, drained, isPrefix } from './streams.js';

/* A slice's bytes: stored as a piece of its session, or compared with the finished file's. */

/** Streams the slice into a new piece, at most up to `limit` (for an undeclared length: its `room`); checks the client's digest of it. */
export async function storePiece(ctx: CoreContext, session: UploadSessionRow, offset: number, limit: number, known: Span[], stream: Readable, checksum?: Checksum, room?: Room): Promise<PieceRef> {
  let piece: PieceRef;
  const source = checksum ? digesting(stream, checksum.algorithm) : stream;
  try {
    piece = { ...(await ctx.blobs.putPiece(session.id, offset, source, { maxBytes: limit - offset, known })), start: offset };
  } catch (e) {
    stream.resume();
    if (isKuraError(e) && e.code === 'payload_too_large') {
      if (room) throw pastRoom(room, offset);
      throw new KuraError('conflict', `the slice at ${offset} runs past the file length ${limit}`, { offset, length: limit });
    }
    if (!isKuraError(e) && (stream.errored || source.errored)) throw new KuraError('bad_request', 'the slice body ended early or is malformed');
    throw e;
  }
  if (checksum && source instanceof Digesting && !source.digest().equals(checksum.digest)) {
    await ctx.blobs.deletePiece(session.id, piece);
    throw new KuraError('checksum_mismatch', `the slice's ${checksum.algorithm} digest differs from the one sent; nothing was kept`, { algorithm: checksum.algorithm });
  }
  return piece;
}

/**
 * A slice for a finished session: accepted when its bytes are those of the file at that
 * offset (a client re-sending after a lost answer), 409 when they differ.
 */
export async function checkResent(ctx: CoreContext, s: UploadSessionRow, offset: number, stream: Readable): Promise<void> {
  if (s.result_hash === null) {
    stream.resume();
    return;
  }
  const same = offset === Number(s.length) ? (await drained(stream)) === 0 : await isPrefix(stream, await ctx.blobs.read(s.result_hash, { start: offset, end: Number(s.length) - 1 }));
  if (!same) throw new KuraError('conflict', `this upload is complete; the slice at ${offset} differs from its bytes there`, { offset });
}
