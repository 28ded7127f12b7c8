import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KuraError, refuseNul } from '../../core/index.js';
import { wasCutOff } from './cut-off.js';

type Done = (err: Error | null, body?: unknown) => void;

/** Text of a small body as a value (JSON, a form); throws (a KuraError, or an Error with a 4xx `statusCode`) when malformed. */
export type TextParse = (text: string, req: FastifyRequest) => unknown;

const tooLarge = (limit: number) => new KuraError('payload_too_large', `this body holds at most ${limit} bytes`);

/**
 * A content-type parser for small bodies read whole (JSON, forms), for the app and for a
 * dialect with its own (OneBot): at most `limit` bytes (413 beyond), `parse` makes the
 * value, and text holding NUL anywhere in it (values or keys) is a 400 naming the field.
 * When Kura cut the request off meanwhile (a 408 or a shutdown's 503 is already out) it
 * ends without a word: there is nobody left to answer, and nothing to log.
 */
export function textBody(limit: number, parse: TextParse) {
  return (req: FastifyRequest, payload: NodeJS.ReadableStream, done: Done): void => {
    if (Number(req.headers['content-length']) > limit) return done(tooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    const off = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      off();
      payload.on('error', () => undefined);
      done(tooLarge(limit));
    };
    const onEnd = () => {
      off();
      let body: unknown;
      try {
        body = parse(Buffer.concat(chunks, size).toString('utf8'), req);
        refuseNul(body, '');
      } catch (e) {
        return done(e as Error);
      }
      done(null, body);
    };
    const onError = (e: Error) => {
      off();
      if (wasCutOff(req.raw)) return;
      done(Object.assign(e, { statusCode: 400 }));
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  };
}

/** An urlencoded form as its parameters. */
export const formParams: TextParse = (text) => Object.fromEntries(new URLSearchParams(text));

/**
 * The parsers of the bodies Fastify reads for the routes: JSON (Fastify's own parser, with
 * its prototype-poisoning checks) and forms, `limit` bytes each (textBody). Uploads
 * (multipart, octet-stream) and anything else are left unread for their handlers.
 */
export function registerBodyParsers(app: FastifyInstance, limit: number): void {
  const fastifyJson = app.getDefaultJsonParser('error', 'error');
  const json: TextParse = (text, req) => {
    let out: { err: Error | null; body?: unknown } = { err: null };
    fastifyJson(req, text, (err, body) => (out = { err, body }));
    if (out.err) throw out.err;
    return out.body;
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', textBody(limit, json));
  app.addContentTypeParser('application/x-www-form-urlencoded', textBody(limit, formParams));
  // Uploads are streamed by the handlers themselves: leave these bodies unread.
  app.addContentTypeParser(['multipart/form-data', 'application/octet-stream'], (_req, _payload, done) => done(null));
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
}
