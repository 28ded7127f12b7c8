import { Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { KuraError } from '../core/errors.js';
import { DamagedPiece, type BlobStore, type PieceRef } from '../core/ports.js';

export const hex32 = (n: number): string => n.toString(16).padStart(8, '0');

/** Counts and checksums (CRC-32) a piece, failing with payload_too_large past `maxBytes`. */
export class PieceMeter extends Transform {
  size = 0;
  private crc = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      cb(new KuraError('payload_too_large', `the piece exceeds the limit of ${this.maxBytes} bytes`, { limit: this.maxBytes }));
      return;
    }
    this.crc = crc32(chunk, this.crc);
    cb(null, chunk);
  }

  get checksum(): string {
    return hex32(this.crc);
  }
}

/** Pieces in byte order, longest first at equal starts. */
export const inOrder = (pieces: PieceRef[]): PieceRef[] => [...pieces].sort((a, b) => a.start - b.start || b.size - a.size);

/**
 * The whole file, streamed from pieces kept apart, each read in full and checked against its
 * checksum (so a damaged piece fails the stream before the upload could be recorded).
 */
export function concatPieces(store: BlobStore, session: string, pieces: PieceRef[]): Readable {
  return Readable.from(
    (async function* () {
      let pos = 0;
      for (const p of inOrder(pieces)) {
        const end = p.start + p.size;
        if (end <= pos) continue;
        if (p.start > pos) throw new KuraError('conflict', `bytes ${pos}–${p.start - 1} were never received`);
        const skip = pos - p.start;
        let crc = 0;
        let seen = 0;
        for await (const chunk of await store.readPiece(session, p)) {
          const c = chunk as Buffer;
          crc = crc32(c, crc);
          const from = Math.max(0, skip - seen);
          seen += c.length;
          if (from < c.length) yield from ? c.subarray(from) : c;
        }
        if (seen !== p.size || hex32(crc) !== p.checksum) throw new DamagedPiece(p);
        pos = end;
      }
    })(),
    { objectMode: false, highWaterMark: 1024 * 1024 },
  );
}
