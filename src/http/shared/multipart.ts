import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import busboy from 'busboy';
import type { FastifyRequest } from 'fastify';
import { KuraError } from '../../core/index.js';
import { bodyOf, offerField, resolveFromFields } from './caller.js';
import type { Params } from './params.js';

export type Part =
  | { kind: 'field'; name: string; value: string }
  | { kind: 'file'; name: string; filename: string; stream: Readable; mimeType?: string };

export interface MultipartLimits {
  /** Most files in one request. */
  files?: number;
  /** Most non-file fields. */
  fields?: number;
  /** Largest non-file field value in bytes. */
  fieldSize?: number;
}

/** Where the body comes from, and who hears of each field as soon as it is parsed. */
export interface BodySource {
  /** The body's bytes (default: the request itself). */
  body?: Readable;
  /** Told each field before the first file part synchronously, as busboy parses it (before the consumer gets it). */
  onField?(name: string, value: string): void;
}

/**
 * Streams the parts of a multipart/form-data request in order, without buffering files:
 * the consumer must read (or resume) each file stream before asking for the next part.
 */
export async function* multipartParts(raw: IncomingMessage, limits: MultipartLimits = {}, from: BodySource = {}): AsyncGenerator<Part> {
  const ct = raw.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\b/i.test(ct)) throw new KuraError('unsupported_type', 'expected a multipart/form-data body');
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: raw.headers,
      defParamCharset: 'utf8',
      limits: { files: limits.files ?? 100, fields: limits.fields ?? 100, fieldSize: limits.fieldSize ?? 1024 * 1024, parts: (limits.files ?? 100) + (limits.fields ?? 100) },
    });
  } catch (e) {
    throw new KuraError('bad_request', `malformed multipart body: ${(e as Error).message}`);
  }
  const queue: Part[] = [];
  let failure: KuraError | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  // Fields after the first file part are the handler's, never the request's credential.
  let sawFile = false;
  bb.on('field', (name, value, info) => {
    if (info.valueTruncated) failure ??= new KuraError('payload_too_large', `field ${name} is too large`);
    else {
      if (!sawFile) from.onField?.(name, value);
      queue.push({ kind: 'field', name, value });
    }
    notify();
  });
  bb.on('file', (name, stream, info) => {
    sawFile = true;
    // The consumer may still be busy (rights check) when a truncated body errors this
    // stream; it sees the error through stream.errored or its own pipeline.
    stream.on('error', () => undefined);
    queue.push({ kind: 'file', name, filename: info.filename ?? '', stream, mimeType: info.mimeType });
    notify();
  });
  bb.on('filesLimit', () => (failure ??= new KuraError('payload_too_large', 'too many files in one request')));
  bb.on('fieldsLimit', () => (failure ??= new KuraError('payload_too_large', 'too many fields in one request')));
  bb.on('partsLimit', () => (failure ??= new KuraError('payload_too_large', 'too many parts in one request')));
  bb.on('error', (e: Error) => {
    failure ??= new KuraError('bad_request', `malformed multipart body: ${e.message}`);
    notify();
  });
  bb.on('close', () => {
    finished = true;
    notify();
  });
  raw.on('aborted', () => {
    failure ??= new KuraError('bad_request', 'the request was aborted');
    notify();
  });
  const body = from.body ?? raw;
  if (body !== raw) {
    // A gate in front of the body (credential-gate.ts) ends it with its refusal.
    body.once('error', (e) => {
      failure ??= e instanceof KuraError ? e : new KuraError('bad_request', `the body could not be read: ${e.message}`);
      notify();
    });
  }
  body.pipe(bb);
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    // Whatever the consumer did, unconsumed parts must not stall the parser.
    for (const p of queue) if (p.kind === 'file') p.stream.resume();
    body.unpipe(bb);
    body.resume();
  }
}

export const isMultipart = (req: FastifyRequest): boolean => /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');

/**
 * The parts of a multipart body in order, each field also kept in `fields` (start it with
 * the query string). A credential field is judged as it arrives (caller.ts); before the
 * first file part is handed out, the request's caller is resolved from its dialect's
 * credentials with the fields read so far (unless it already has one): a file that comes
 * before any credential is refused (401) and not read.
 */
export async function* partsWithCaller(req: FastifyRequest, fields: Params, limits?: MultipartLimits): AsyncGenerator<Part> {
  // A credential field is judged as soon as busboy has it (the body waits meanwhile).
  for await (const part of multipartParts(req.raw, limits, { body: bodyOf(req), onField: (name, value) => offerField(req, name, value) })) {
    if (part.kind === 'field') fields[part.name] = part.value;
    else {
      try {
        await resolveFromFields(req, fields);
      } catch (e) {
        part.stream.resume();
        throw e;
      }
    }
    yield part;
  }
}

/** A file part handed to a `withFile` callback. */
export interface IncomingPart {
  /** The part's filename (may be empty). */
  name: string;
  stream: Readable;
}

/**
 * Lets a file part's bytes through but holds back its end until `release()`: whoever reads
 * it (the core staging an upload) cannot finish, and so cannot record anything, before the
 * rest of the body has been read and found acceptable; `fail()` ends it with an error.
 */
function holdEnd(source: Readable): { stream: Readable; release(): void; fail(e: Error): void } {
  const held = new PassThrough({ highWaterMark: 1024 * 1024 });
  // The reader may not listen yet when the request is refused: it sees the error through
  // `errored` or its own pipeline; an unheard 'error' must not take the process down.
  held.on('error', () => undefined);
  let ended = false;
  source.once('end', () => (ended = true));
  source.once('error', (e) => held.destroy(e));
  source.pipe(held, { end: false });
  return {
    stream: held,
    release: () => (ended ? held.end() : source.once('end', () => held.end())),
    fail: (e) => held.destroy(e),
  };
}

/**
 * Reads a multipart body of fields followed by one file (the part named `fileField`, or
 * the first file part whatever its name when `fileField` is undefined) and hands both to
 * `use` once the caller is known (`req.actor`). Fields after the file are not seen; file
 * parts of other names are skipped. The file's stream ends only once the whole body has
 * been read: a second file part refuses the request (400) before `use` can record
 * anything. 415 when the body is not multipart, 400 without the file.
 */
export async function withFile<T>(req: FastifyRequest, fileField: string | undefined, use: (fields: Params, file: IncomingPart) => Promise<T>): Promise<T> {
  if (!isMultipart(req)) throw new KuraError('unsupported_type', 'send multipart/form-data with the fields first and the file last');
  const fields: Params = { ...((req.query ?? {}) as Params) };
  const what = fileField ?? 'a file part';
  let pending: Promise<T> | undefined;
  let held: ReturnType<typeof holdEnd> | undefined;
  try {
    for await (const part of partsWithCaller(req, fields, { files: 10 })) {
      if (part.kind === 'field') continue;
      if (fileField !== undefined && part.name !== fileField) {
        part.stream.resume();
        continue;
      }
      if (held) {
        part.stream.resume();
        throw new KuraError('bad_request', `send one file per request (${what} came twice)`, { field: fileField });
      }
      held = holdEnd(part.stream);
      const stream = held.stream;
      pending = use(fields, { name: part.filename, stream });
      // Whatever `use` left unread is drained once it is done (else the parser would stall),
      // and its failure is awaited below: until then it must not count as unhandled.
      pending.then(
        () => stream.resume(),
        () => stream.resume(),
      );
    }
  } catch (e) {
    held?.fail(e instanceof Error ? e : new Error(String(e)));
    await pending?.catch(() => undefined);
    throw e;
  }
  if (!held || !pending) throw new KuraError('bad_request', `${what} is required (a file part)`, { field: fileField });
  held.release();
  return pending;
}

/**
 * Reads a multipart body of fields and one or many files (the parts named `fileField`, or
 * every file part when it is undefined; other file parts are skipped) and hands them to
 * `use` as a stream of parts, each read before the next arrives (nothing buffered). `use`
 * is called once the caller is known (`req.actor`) at the first file part, with the fields
 * read so far (later fields are added to `fields` as they come); the stream ends only once
 * the whole body has been read, so a consumer that records after the last part (the
 * core's `uploadMany`, all or nothing) never records a truncated or refused request. 415
 * when the body is not multipart, 400 without a file, 413 past `limits.files` files.
 */
export async function withFiles<T>(
  req: FastifyRequest,
  fileField: string | undefined,
  use: (fields: Params, files: AsyncIterable<IncomingPart>) => Promise<T>,
  limits: MultipartLimits = {},
): Promise<T> {
  if (!isMultipart(req)) throw new KuraError('unsupported_type', 'send multipart/form-data with the fields first and the files last');
  const fields: Params = { ...((req.query ?? {}) as Params) };
  const what = fileField ?? 'a file part';
  const parts = partsWithCaller(req, fields, limits);
  const nextFile = async (): Promise<IncomingPart | undefined> => {
    for (;;) {
      const r = await parts.next();
      if (r.done) return undefined;
      const part = r.value;
      if (part.kind === 'field') continue;
      if (fileField !== undefined && part.name !== fileField) {
        part.stream.resume();
        continue;
      }
      return { name: part.filename, stream: part.stream };
    }
  };
  try {
    const first = await nextFile();
    if (!first) throw new KuraError('bad_request', `${what} is required (a file part)`, { field: fileField });
    let current: IncomingPart | undefined = first;
    const files: AsyncIterable<IncomingPart> = {
      async *[Symbol.asyncIterator]() {
        while (current) {
          const part: IncomingPart = current;
          yield part;
          // Whatever the consumer left unread must not stall the parser.
          part.stream.resume();
          current = await nextFile();
        }
      },
    };
    return await use(fields, files);
  } finally {
    // Drains what the consumer did not read (busboy resumes unconsumed parts).
    await parts.return(undefined);
  }
}
