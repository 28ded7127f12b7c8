import { createHash, type Hash } from 'node:crypto';
import { finished, Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KuraError } from '../core/index.js';

/** Enough for every magic number file-type looks at. */
export const HEAD_BYTES = 4100;

export interface IngestResult {
  hash: string;
  size: number;
  head: Buffer;
}

/**
 * A pass-through that hashes (SHA-256), counts, keeps the first bytes for sniffing, and
 * fails with payload_too_large the moment more than `maxBytes` arrive. The offending chunk
 * is not passed on, so a store never holds more than the limit. Nothing else is buffered.
 */
export class Ingest extends Transform {
  private readonly sha: Hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  private digest: string | undefined;
  size = 0;

  constructor(readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      cb(new KuraError('payload_too_large', `the upload exceeds the limit of ${this.maxBytes} bytes`, { limit: this.maxBytes }));
      return;
    }
    this.sha.update(chunk);
    if (this.headLength < HEAD_BYTES) {
      // Copy: a subarray would pin the whole (possibly 1 MiB) chunk for the upload's lifetime.
      const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - this.headLength));
      this.headChunks.push(part);
      this.headLength += part.length;
    }
    cb(null, chunk);
  }

  /** Valid once the stream has ended; may be called more than once. */
  result(): IngestResult {
    this.digest ??= this.sha.digest('hex');
    return { hash: this.digest, size: this.size, head: Buffer.concat(this.headChunks, this.headLength) };
  }
}

const ignore = () => undefined;

/**
 * Streams `source` through `ingest` into `sink` and resolves once `sink` has taken every
 * byte. Rejects with the source's own error on a client abort (premature close included)
 * and with payload_too_large on the limit.
 *
 * The source is piped, not put into the pipeline: pipeline() destroys every stream on
 * failure, and destroying an http.IncomingMessage destroys its socket, so the client would
 * see a reset instead of the 413. The caller owns the source and decides whether to drain
 * or destroy it after a failure; after success it has ended.
 */
export async function feed(source: Readable, ingest: Transform, sink: Writable): Promise<void> {
  const unwatch = finished(source, { writable: false }, (err) => {
    if (err) ingest.destroy(err);
  });
  source.pipe(ingest);
  try {
    await pipeline(ingest, sink);
  } catch (e) {
    source.unpipe(ingest);
    // The source may still fail later (client gone); without a listener that would be an
    // uncaught 'error' and take the process down.
    source.on('error', ignore);
    throw e;
  } finally {
    unwatch();
  }
}
