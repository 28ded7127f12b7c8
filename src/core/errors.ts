/**
 * The one domain error of Kura. Every layer throws it; every dialect renders it with its
 * own small renderer (HTTP statuses are a dialect matter: src/http/shared/errors.ts).
 * `code` is stable and part of the public contract of the native API.
 */
export type KuraErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'name_conflict'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_type'
  | 'range_not_satisfiable'
  | 'quota_exceeded'
  | 'rate_limited'
  /** A body's digest differs from the one the client sent with it (tus: 460). */
  | 'checksum_mismatch'
  /** A condition the caller set (expected ETag or version, If-None-Match) does not hold: nothing changed. */
  | 'precondition_failed'
  /** The item is locked (core/guard/locks.ts) and the caller holds none of the lock tokens it takes. */
  | 'locked'
  | 'internal';

export class KuraError extends Error {
  readonly code: KuraErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: KuraErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'KuraError';
    this.code = code;
    this.details = details;
  }
}

export const isKuraError = (e: unknown): e is KuraError => e instanceof KuraError;

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new KuraError('bad_request', message, details);
