import type { CoreContext } from '../context.js';
import { KuraError } from '../errors.js';
import type { PieceRef, Span, UploadSessionRow } from '../ports/index.js';
import { hold } from './holds.js';
import { covered, mergedSpans, overlap, pieceRef, sameBytes, spanOf } from './pieces.js';
import { livePieces, sessionTtl } from './sessions.js';

/** A piece per slice; more means a client slicing absurdly thin. */
const MAX_PIECES = 10_000;

/**
 * Records a stored piece after comparing it with every recorded piece it overlaps. A piece
 * recorded meanwhile by another request is compared in the next round, so two different
 * byte runs for one range can never both be accepted. While the length is still to be
 * declared, the piece's bytes are reserved in the same transaction (quota_exceeded, and
 * nothing recorded, when they do not fit).
 */
export async function record(ctx: CoreContext, session: UploadSessionRow, piece: PieceRef): Promise<void> {
  const offset = piece.start;
  const mine: Span = { start: offset, end: offset + piece.size };
  const compared = new Set<string>();
  for (let round = 0; round < 10; round++) {
    const pieces = await livePieces(ctx, session.id);
    for (const p of pieces) {
      const common = overlap(mine, spanOf(p));
      if (!common || compared.has(p.key)) continue;
      // In place, the store compared while writing.
      if (ctx.blobs.piecesInPlace) {
        compared.add(p.key);
        continue;
      }
      const [ours, theirs] = await Promise.all([
        ctx.blobs.readPiece(session.id, piece, { start: common.start - offset, end: common.end - offset - 1 }),
        ctx.blobs.readPiece(session.id, pieceRef(p), { start: common.start - Number(p.start), end: common.end - Number(p.start) - 1 }),
      ]);
      if (!(await sameBytes(ours, theirs))) {
        throw new KuraError('conflict', `the slice at ${offset} differs from bytes already received for ${common.start}–${common.end - 1}`, { offset, start: common.start, end: common.end - 1 });
      }
      compared.add(p.key);
    }
    // A re-sent slice adds nothing: its bytes are known and equal.
    if (covered(mergedSpans(pieces), mine)) {
      await ctx.blobs.deletePiece(session.id, piece);
      return;
    }
    if (pieces.length >= MAX_PIECES) throw new KuraError('conflict', `an upload takes at most ${MAX_PIECES} slices`);
    const outcome = await ctx.store.transaction(async (tx) => {
      const s = await tx.uploads.byId(session.id);
      if (!s || s.state !== 'open') return 'closed';
      const now = await tx.uploads.pieces(session.id);
      if (now.some((p) => !compared.has(p.key) && overlap(mine, spanOf(p)))) return 'again';
      const reserved = Number(s.reserved);
      if (Number(s.deferred) === 1 && mine.end > reserved) {
        if (!(await tx.uploads.growReserved(s.id, reserved, mine.end))) return 'again';
        await hold(ctx, tx, Number(s.user_id), Number(s.space_id), { bytes: mine.end - reserved, files: 0, sessions: 0 });
      } else if (Number(s.deferred) === 0 && mine.end > Number(s.length)) {
        // Declared meanwhile, shorter than this piece reaches.
        throw new KuraError('conflict', `the slice at ${offset} runs past the file length ${s.length}`, { offset, length: Number(s.length) });
      }
      const at = ctx.now();
      await tx.uploads.insertPiece({ session_id: session.id, key: piece.key, start: offset, size: piece.size, epoch: piece.epoch, created_at: at });
      await tx.uploads.touch(session.id, at, at + sessionTtl(ctx));
      return 'recorded';
    });
    if (outcome === 'recorded') return;
    if (outcome === 'closed') {
      await ctx.blobs.deletePiece(session.id, piece);
      return;
    }
  }
  throw new KuraError('conflict', 'too many concurrent slices for the same range; send this one again');
}
