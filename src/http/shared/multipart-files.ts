import { finished } from 'node:stream/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { KuraError } from '../../core/index.js';
import { isMultipart, partsWithCaller, type MultipartLimits } from './multipart.js';
import type { Params } from './params.js';

/** One file part of a multi-file upload, handed out by `eachFile` in body order. */
export interface StreamedFile {
  /** The form field the part came in. */
  field: string;
  /** The part's filename (may be empty). */
  name: string;
  /** The type the client declared for the part (never trusted for storage; for messages). */
  declaredType: string;
  /** The part's bytes. Read it (or leave it: the rest is drained before the next part). */
  stream: Readable;
  /** Bytes of this part received so far (counted whether they were stored or drained). */
  readonly received: number;
  /**
   * Drains what is left of the part and resolves with its whole length once it has ended;
   * a truncated body resolves with what arrived.
   */
  done(): Promise<number>;
}

/** Counts bytes on their way through. */
class Counter extends Transform {
  count = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.count += chunk.length;
    cb(null, chunk);
  }
}

/**
 * The file parts of a multipart body, one at a time and in order, each streamed (never
 * buffered whole). Fields are collected into `fields` (over the query string) as they come.
 * The caller is resolved from the dialect's credentials before the first file is handed out
 * (a file before any credential is 401, unread). Once the consumer asks for the next file,
 * whatever it left of the previous one is drained first, so one file's failure (too large,
 * refused type) does not stop the others. 415 when the body is not multipart; the body's
 * own failures (truncated, malformed, too many parts) end the iteration with their error.
 */
export async function* eachFile(req: FastifyRequest, fields: Params, limits: MultipartLimits = {}): AsyncGenerator<StreamedFile> {
  if (!isMultipart(req)) throw new KuraError('unsupported_type', 'send multipart/form-data with one or more file parts');
  for await (const part of partsWithCaller(req, fields, limits)) {
    if (part.kind === 'field') continue;
    const source = part.stream;
    const counter = new Counter();
    // A truncated body errors the part: the consumer sees it through its own pipeline.
    counter.on('error', () => undefined);
    source.on('error', (e) => counter.destroy(e));
    source.pipe(counter);
    const ended = finished(source).then(
      () => undefined,
      () => undefined,
    );
    const file: StreamedFile = {
      field: part.name,
      name: part.filename,
      declaredType: part.mimeType ?? '',
      stream: counter,
      get received() {
        return counter.count;
      },
      async done() {
        counter.resume();
        await ended;
        return counter.count;
      },
    };
    try {
      yield file;
    } finally {
      await file.done();
    }
  }
}
