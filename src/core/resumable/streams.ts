import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { KuraError } from '../errors.js';
import { type BlobStore, DamagedPiece, type PieceRef } from '../ports/index.js';

/** A digest the client computed over one slice's bytes (tus checksum extension). */
export interface Checksum {
  algorithm: ChecksumAlgorithm;
  digest: Buffer;
}

export type ChecksumAlgorithm = 'sha1' | 'sha256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['sha1', 'sha256'];

/** Passes bytes through while hashing them. */
export class Digesting extends Transform {
  private readonly hash: Hash;

  constructor(algorithm: ChecksumAlgorithm) {
    super();
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }

  digest(): Buffer {
    return this.hash.digest();
  }
}

/** `source` through a Digesting pass (its errors carried over). */
export function digesting(source: Readable, algorithm: ChecksumAlgorithm): Digesting {
  const d = new Digesting(algorithm);
  source.on('error', (e) => d.destroy(e));
  source.pipe(d);
  return d;
}

/** Reads a stream to its end; how many bytes it held. */
export async function drained(s: Readable): Promise<number> {
  let n = 0;
  for await (const c of s) n += (c as Buffer).length;
  return n;
}

/** Whether `part` (read whole) is the beginning of `whole` (released either way). */
export async function isPrefix(part: Readable, whole: Readable): Promise<boolean> {
  const it = whole[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let buf: Buffer = Buffer.alloc(0);
  let same = true;
  try {
    for await (const chunk of part) {
      let c = chunk as Buffer;
      while (same && c.length > 0) {
        if (buf.length === 0) {
          const r = await it.next();
          if (r.done) {
            same = false;
            break;
          }
          buf = r.value;
        }
        const n = Math.min(buf.length, c.length);
        if (!buf.subarray(0, n).equals(c.subarray(0, n))) same = false;
        buf = buf.subarray(n);
        c = c.subarray(n);
      }
    }
    return same;
  } finally {
    whole.destroy();
  }
}

/**
 * The bytes of several sessions one after the other, each from its pieces (in byte order,
 * overlaps read once), every piece checked against its recorded size.
 */
export function concatenated(blobs: BlobStore, parts: { session: string; length: number; pieces: PieceRef[] }[]): Readable {
  return Readable.from(
    (async function* () {
      for (const part of parts) {
        let pos = 0;
        for (const p of [...part.pieces].sort((a, b) => a.start - b.start || b.size - a.size)) {
          const end = p.start + p.size;
          if (end <= pos) continue;
          if (p.start > pos) throw new KuraError('conflict', `bytes ${pos}–${p.start - 1} of a part were never received`);
          let seen = 0;
          for await (const chunk of await blobs.readPiece(part.session, p, { start: pos - p.start, end: p.size - 1 })) {
            seen += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
          if (seen !== end - pos) throw new DamagedPiece(p);
          pos = end;
        }
        if (pos < part.length) throw new KuraError('conflict', `bytes from ${pos} of a part were never received`);
      }
    })(),
    { objectMode: false, highWaterMark: 1024 * 1024 },
  );
}
