import type { Readable } from 'node:stream';
import type { UploadPieceRow } from '../ports/index.js';
import type { PieceRef, Span } from '../ports/index.js';

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

export const pieceRef = (p: UploadPieceRow): PieceRef => ({ key: p.key, start: Number(p.start), size: Number(p.size), epoch: p.epoch });
