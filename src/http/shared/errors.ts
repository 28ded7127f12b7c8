import type { FastifyError } from 'fastify';
import { isKuraError, KuraError, type KuraErrorCode } from '../../core/errors.js';

const BY_STATUS: Record<number, KuraErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_type',
  416: 'range_not_satisfiable',
  429: 'rate_limited',
  507: 'quota_exceeded',
};

/**
 * Turns anything thrown while handling a request into a KuraError: our own errors pass
 * through; Fastify's (validation, body parsing, body limits) keep their status; anything
 * else is an internal error whose message is not shown to the client.
 */
export function toKuraError(e: unknown): KuraError {
  if (isKuraError(e)) return e;
  const fe = e as FastifyError & { validation?: unknown[] };
  if (fe && Array.isArray(fe.validation)) {
    return new KuraError('bad_request', fe.message, { validation: fe.validation });
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  const code = BY_STATUS[status];
  if (code && status < 500) return new KuraError(code, fe.message);
  return new KuraError('internal', 'internal server error');
}

/** The native API's error body: `{error: {code, message, details?}}`. */
export function nativeErrorBody(e: KuraError): { error: { code: string; message: string; details?: Record<string, unknown> } } {
  return { error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } };
}
