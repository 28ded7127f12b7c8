import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { isKuraError, KuraError, type KuraErrorCode } from '../../core/index.js';

/** The default REST mapping of error codes to HTTP statuses; a dialect may map its own. */
const STATUS: Record<KuraErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  name_conflict: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_type: 415,
  range_not_satisfiable: 416,
  quota_exceeded: 507,
  rate_limited: 429,
  checksum_mismatch: 460,
  precondition_failed: 412,
  locked: 423,
  internal: 500,
};

/** The HTTP status of an error code in REST-like dialects. */
export const httpStatus = (code: KuraErrorCode): number => STATUS[code];

const BY_STATUS: Record<number, KuraErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_type',
  412: 'precondition_failed',
  416: 'range_not_satisfiable',
  423: 'locked',
  429: 'rate_limited',
  507: 'quota_exceeded',
};

const HIDDEN = 'internal server error';

/**
 * Turns anything thrown while handling a request into a KuraError: our own errors pass
 * through (an `internal` one without its message, which may name server details);
 * Fastify's (validation, body parsing, body limits) keep their status; anything else is an
 * internal error whose message is not shown to the client.
 */
export function toKuraError(e: unknown): KuraError {
  if (isKuraError(e)) return e.code === 'internal' && e.message !== HIDDEN ? new KuraError('internal', HIDDEN) : e;
  const fe = e as FastifyError & { validation?: unknown[] };
  if (fe && Array.isArray(fe.validation)) {
    return new KuraError('bad_request', fe.message, { validation: fe.validation });
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  const code = BY_STATUS[status];
  if (code && status < 500) return new KuraError(code, fe.message);
  return new KuraError('internal', HIDDEN);
}

/** An error as one dialect answers it: the HTTP status and the body in its envelope. */
export interface RenderedError {
  status: number;
  body: unknown;
  /** Headers of the dialect's to send with it (a challenge, the body's type). */
  headers?: Record<string, string>;
}

/** A dialect's error renderer: the only place that knows its envelope and status rules. */
export type ErrorRenderer = (e: KuraError, req: FastifyRequest) => RenderedError;

/** The REST error answer (native API, and routes outside any dialect): `{error: {code, message, details?}}`. */
export const restError: ErrorRenderer = (e) => ({
  status: httpStatus(e.code),
  body: { error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } },
});

/**
 * The REST renderer with other statuses for some codes: faces whose documented statuses lack
 * one (412, 423) answer with their closest documented one; the body keeps the code.
 */
export const restErrorWith =
  (statuses: Partial<Record<KuraErrorCode, number>>): ErrorRenderer =>
  (e, req) => {
    const r = restError(e, req);
    const status = statuses[e.code];
    return status === undefined ? r : { ...r, status };
  };

/**
 * Installs a renderer for every error and every unknown route of one Fastify context (a
 * dialect's prefix, or the root). Only real server errors (`internal`) are logged, at error
 * level with the stack; refusals (4xx, 507) are left to the access log, which has the status.
 */
export function renderErrorsWith(app: FastifyInstance, render: ErrorRenderer, opts: { notFound?: boolean } = {}): void {
  app.setErrorHandler((err, req, reply) => {
    const e = toKuraError(err);
    if (e.code === 'internal') req.log.error({ reqId: req.id, err }, 'request failed');
    if (reply.sent) return;
    const r = render(e, req);
    // Rate limits say when to come back, whatever the dialect's envelope.
    const retryAfter = e.code === 'rate_limited' ? e.details?.retryAfter : undefined;
    if (typeof retryAfter === 'number') reply.header('Retry-After', String(retryAfter));
    if (r.headers) reply.headers(r.headers);
    reply.code(r.status).send(r.body);
  });
  if (opts.notFound === false) return;
  app.setNotFoundHandler((req, reply) => {
    const r = render(new KuraError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`, { route: 'unknown' }), req);
    if (r.headers) reply.headers(r.headers);
    reply.code(r.status).send(r.body);
  });
}
