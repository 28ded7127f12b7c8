/**
 * The one domain error of Kura. Every layer throws it; every dialect renders it with its
 * own small renderer. `code` is stable and part of the public contract of the native API.
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
  | 'internal';

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
  internal: 500,
};

export class KuraError extends Error {
  readonly code: KuraErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: KuraErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'KuraError';
    this.code = code;
    this.details = details;
  }

  /** The HTTP status this error maps to in REST-like dialects. */
  get status(): number {
    return STATUS[this.code];
  }
}

export const isKuraError = (e: unknown): e is KuraError => e instanceof KuraError;

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new KuraError('bad_request', message, details);
