import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { KuraError } from '../core/errors.js';

const HEAD_BYTES = 4100;

/**
 * A pass-through that hashes (SHA-256), counts, keeps the first bytes for sniffing, and
 * fails with payload_too_large the moment more than `maxBytes` arrive — nothing is buffered.
 */
export class Ingest extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  size = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      cb(new KuraError('payload_too_large', `the upload exceeds the limit of ${this.maxBytes} bytes`, { limit: this.maxBytes }));
      return;
    }
    this.hash.update(chunk);
    if (this.headLength < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.headLength);
      this.headChunks.push(Buffer.from(part));
      this.headLength += part.length;
    }
    cb(null, chunk);
  }

  /** Call once the stream has ended. */
  result(): { hash: string; size: number; head: Buffer } {
    return { hash: this.hash.digest('hex'), size: this.size, head: Buffer.concat(this.headChunks) };
  }
}
