import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KuraError, refuseNul } from '../core/index.js';
import { wasCutOff } from './cut-off.js';

type Done = (err: Error | null, body?: unknown) => void;

/**
 * Reads a whole small body as text, at most `limit` bytes (413 beyond). When Kura cut the
 * request off meanwhile (a 408 or a shutdown's 503 is already out) it ends without a word:
 * there is nobody left to answer.
 */
function readText(req: FastifyRequest, payload: NodeJS.ReadableStream, limit: number, then: (text: string) => void, done: Done): void {
  if (Number(req.headers['content-length']) > limit) return done(new KuraError('payload_too_large', `this body holds at most ${limit} bytes`));
  const chunks: Buffer[] = [];
  let size = 0;
  const off = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onError);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      off();
      payload.on('error', () => undefined);
      done(new KuraError('payload_too_large', `this body holds at most ${limit} bytes`));
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = () => {
    off();
    then(Buffer.concat(chunks, size).toString('utf8'));
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
}

/**
 * The parsers of the bodies Fastify reads for the routes: JSON (Fastify's own parser, with
 * its prototype-poisoning checks) and forms, `limit` bytes each; text holding NUL anywhere
 * (values or keys) is a 400 naming the field, for every dialect. Uploads (multipart,
 * octet-stream) and anything else are left unread for their handlers.
 */
export function registerBodyParsers(app: FastifyInstance, limit: number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (req, payload, done) =>
    readText(
      req,
      payload,
      limit,
      (text) =>
        parseJson(req, text, (err, body) => {
          if (err) return done(err);
          try {
            refuseNul(body, '');
          } catch (e) {
            return done(e as Error);
          }
          done(null, body);
        }),
      done,
    ),
  );
  app.addContentTypeParser('application/x-www-form-urlencoded', (req, payload, done) =>
    readText(
      req,
      payload,
      limit,
      (text) => {
        const body = Object.fromEntries(new URLSearchParams(text));
        try {
          refuseNul(body, '');
        } catch (e) {
          return done(e as Error);
        }
        done(null, body);
      },
      done,
    ),
  );
  // Uploads are streamed by the handlers themselves: leave these bodies unread.
  app.addContentTypeParser(['multipart/form-data', 'application/octet-stream'], (_req, _payload, done) => done(null));
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
}
