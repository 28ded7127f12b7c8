import { Readable, Transform, type TransformCallback } from 'node:stream';
import { type BlobStore, DamagedPiece, KuraError, type PieceRef } from '../core/index.js';

/** Counts a piece, failing with payload_too_large past `maxBytes`. */
export class PieceMeter extends Transform {
  size = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly digest?: { update(chunk: Buffer): void },
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      cb(new KuraError('payload_too_large', `the piece exceeds the limit of ${this.maxBytes} bytes`, { limit: this.maxBytes }));
      return;
    }
    this.digest?.update(chunk);
    cb(null, chunk);
  }
}

/** Pieces in byte order, longest first at equal starts. */
const inOrder = (pieces: PieceRef[]): PieceRef[] => [...pieces].sort((a, b) => a.start - b.start || b.size - a.size);

/**
 * The whole file, streamed from pieces kept apart, each read in full and checked against its
 * recorded size (so a lost piece fails the stream before the upload could be recorded).
 */
export function concatPieces(store: BlobStore, session: string, pieces: PieceRef[], length: number): Readable {
  return Readable.from(
    (async function* () {
      let pos = 0;
      for (const p of inOrder(pieces)) {
        const end = p.start + p.size;
        if (end <= pos) continue;
        if (p.start > pos) throw new KuraError('conflict', `bytes ${pos}–${p.start - 1} were never received`);
        const skip = pos - p.start;
        let seen = 0;
        for await (const chunk of await store.readPiece(session, p)) {
          const c = chunk as Buffer;
          const from = Math.max(0, skip - seen);
          seen += c.length;
          if (from < c.length) yield from ? c.subarray(from) : c;
        }
        if (seen !== p.size) throw new DamagedPiece(p);
        pos = end;
      }
      if (pos < length) throw new KuraError('conflict', `bytes from ${pos} were never received`);
    })(),
    { objectMode: false, highWaterMark: 1024 * 1024 },
  );
}
