import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { UploadPieceRow } from '../../store/repos/uploads.js';
import { KuraError } from '../errors.js';
import type { BlobStore } from '../ports.js';

/** Half-open byte span [start, end). */
export interface Span {
  start: number;
  end: number;
}

export const spanOf = (p: Pick<UploadPieceRow, 'start' | 'size'>): Span => ({ start: Number(p.start), end: Number(p.start) + Number(p.size) });

export const overlap = (a: Span, b: Span): Span | undefined => {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return start < end ? { start, end } : undefined;
};

/** The received ranges, merged and in order. */
export function mergedSpans(pieces: Pick<UploadPieceRow, 'start' | 'size'>[]): Span[] {
  const spans = pieces.map(spanOf).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

export const receivedBytes = (spans: Span[]): number => spans.reduce((n, s) => n + s.end - s.start, 0);

/** Whether `span` lies wholly inside the received ranges. */
export const covered = (spans: Span[], span: Span): boolean => spans.some((s) => s.start <= span.start && s.end >= span.end);

/** Compares two streams of the same length byte for byte; both are released either way. */
export async function sameBytes(a: Readable, b: Readable): Promise<boolean> {
  const ia = a[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const ib = b[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let ba: Buffer = Buffer.alloc(0);
  let bb: Buffer = Buffer.alloc(0);
  try {
    for (;;) {
      if (ba.length === 0) {
        const r = await ia.next();
        if (!r.done) ba = r.value;
      }
      if (bb.length === 0) {
        const r = await ib.next();
        if (!r.done) bb = r.value;
      }
      if (ba.length === 0 || bb.length === 0) return ba.length === bb.length;
      const n = Math.min(ba.length, bb.length);
      if (!ba.subarray(0, n).equals(bb.subarray(0, n))) return false;
      ba = ba.subarray(n);
      bb = bb.subarray(n);
    }
  } finally {
    a.destroy();
    b.destroy();
  }
}

/** A piece whose stored bytes no longer match the SHA-256 recorded when it arrived. */
export class DamagedPiece extends KuraError {
  constructor(readonly piece: UploadPieceRow) {
    super('conflict', `the slice at offset ${piece.start} was damaged in storage; send it again`, { offset: Number(piece.start), length: Number(piece.size) });
  }
}

/**
 * The whole file, streamed from pieces that cover [0, length) in order. Each piece read in
 * full is checked against its SHA-256; a mismatch fails the stream with DamagedPiece
 * (before the upload could be recorded, as the hash is known only at the piece's end).
 */
export function assemble(blobs: BlobStore, session: string, pieces: UploadPieceRow[]): Readable {
  return Readable.from(
    (async function* () {
      let pos = 0;
      for (const p of [...pieces].sort((a, b) => Number(a.start) - Number(b.start) || Number(b.size) - Number(a.size))) {
        const { start, end } = spanOf(p);
        if (end <= pos) continue;
        if (start > pos) throw new KuraError('conflict', `bytes ${pos}–${start - 1} were never received`);
        const skip = pos - start;
        const sha = createHash('sha256');
        let seen = 0;
        for await (const chunk of await blobs.readPiece(session, p.key)) {
          const c = chunk as Buffer;
          sha.update(c);
          const from = Math.max(0, skip - seen);
          seen += c.length;
          if (from < c.length) yield from ? c.subarray(from) : c;
        }
        if (seen !== Number(p.size) || sha.digest('hex') !== p.hash) throw new DamagedPiece(p);
        pos = end;
      }
    })(),
    { objectMode: false, highWaterMark: 1024 * 1024 },
  );
}
