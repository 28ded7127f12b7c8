import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { badRequest, KuraError, refuseNul } from '../../../core/index.js';
import { hasBody } from '../../body-guard.js';
import { formParams, textBody } from '../../shared/bodies.js';
import { toKuraError } from '../../shared/errors.js';
import { paramsOf, type Params } from '../../shared/params.js';
import { ok } from './envelope.js';

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

const mediaType = (h: string | undefined) => (h ?? '').split(';')[0].trim().toLowerCase();

const malformed = (why: string) => new KuraError('bad_request', why, { transport: 'body' });

/**
 * OneBot 11 HTTP transport for one Fastify context: POST bodies are JSON objects or
 * urlencoded forms (anything else is 406), a body that does not parse is 400, and bodies may
 * be as large as a base64 upload allows (`bodyLimit`).
 */
export function oneBotTransport(app: FastifyInstance, bodyLimit: number): void {
  app.removeContentTypeParser([JSON_TYPE, FORM_TYPE]);
  // The toolkit's readers of small bodies (size limit, no NUL), with OneBot's JSON rules.
  app.addContentTypeParser(
    JSON_TYPE,
    textBody(bodyLimit, (text) => {
      if (text.trim() === '') return {};
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        throw malformed(`the body is not valid JSON: ${(e as Error).message}`);
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw malformed('the body must be a JSON object of parameters');
      return v;
    }),
  );
  app.addContentTypeParser(FORM_TYPE, textBody(bodyLimit, formParams));
  app.addHook('onRequest', async (req) => {
    if (req.method !== 'POST' || !hasBody(req.headers)) return;
    const type = mediaType(req.headers['content-type']);
    if (type !== JSON_TYPE && type !== FORM_TYPE) {
      throw new KuraError('unsupported_type', `a OneBot request body is ${JSON_TYPE} or ${FORM_TYPE}, not ${type || 'untyped'}`, { transport: 'content-type' });
    }
  });
}

/** An action's work: its parameters and caller in, its `data` out. */
export type Action = (p: Params, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * What an action must hold before it may start (a permit for an upload from a URL): taken
 * before the answer, also for `_async` (a refusal is the answer, not a log line), and
 * released once the action is over.
 */
export type Admission = (p: Params, req: FastifyRequest) => Promise<{ release(): Promise<void> } | undefined>;

/**
 * Registers an action at `/<name>` for GET (query) and POST (JSON or form), answered in the
 * OneBot envelope, and at `/<name>_async` (OneBot 11): answered at once with `status: async`
 * (`retcode` 1) once the caller is known, the action then running on its own; its outcome
 * is only logged. `admit` (if any) runs first, before either answer. Each path also answers
 * with a trailing slash (`/<name>/`), as OneBot implementations do.
 */
export function action(app: FastifyInstance, name: string, run: Action, admit?: Admission): void {
  /** The action, started once admitted; settles after whatever it held is released. */
  const start = async (p: Params, req: FastifyRequest, reply: FastifyReply): Promise<() => Promise<unknown>> => {
    const held = await admit?.(p, req);
    const done = run(p, req, reply);
    return () => (held ? done.finally(() => held.release()) : done);
  };
  const sync: RouteHandlerMethod = async (req, reply) => {
    const p = paramsOf(req);
    const done = await start(p, req, reply);
    return ok(req, (await done()) ?? null);
  };
  const queued: RouteHandlerMethod = async (req, reply) => {
    const p = paramsOf(req);
    const done = await start(p, req, reply);
    done().catch((e: unknown) => {
      const err = toKuraError(e);
      if (err.code === 'internal') req.log.error({ reqId: req.id, action: name, err: e }, 'async action failed');
      else req.log.info({ reqId: req.id, action: name, code: err.code, message: err.message }, 'async action refused');
    });
    return { ...ok(req, null), status: 'async', retcode: 1 };
  };
  for (const slash of ['', '/']) {
    app.route({ method: ['GET', 'POST'], url: `/${name}${slash}`, handler: sync });
    app.route({ method: ['GET', 'POST'], url: `/${name}_async${slash}`, handler: queued });
  }
}

/** A parameter that is an optional string, where clients may also send a number. */
export function text(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') throw badRequest(`${name} must be a string`, { field: name });
  refuseNul(v, name);
  return v;
}
