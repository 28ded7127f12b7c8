import type { FastifyRequest } from 'fastify';
import { badRequest, refuseNul } from '../../core/index.js';
import type { IdCodec } from './ids.js';

/** A request's named parameters (query string, form, JSON body or multipart fields). */
export type Params = Record<string, unknown>;

/** The object body of a request (urlencoded form or JSON object), if it has one. */
export function bodyParams(req: FastifyRequest): Params | undefined {
  const b = req.body;
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Params) : undefined;
}

/**
 * The request's parameters: the form or JSON body over the query string (a body value
 * wins). Multipart bodies are read in order by multipart.ts.
 */
export function paramsOf(req: FastifyRequest): Params {
  return { ...((req.query ?? {}) as Params), ...bodyParams(req) };
}

export function str(p: Params, name: string, opts: { optional: true }): string | undefined;
export function str(p: Params, name: string, opts?: { optional?: false }): string;
export function str(p: Params, name: string, opts: { optional?: boolean } = {}): string | undefined {
  const v = p[name];
  if (v === undefined || v === null || v === '') {
    if (opts.optional) return undefined;
    throw badRequest(`${name} is required`, { field: name });
  }
  if (typeof v !== 'string') throw badRequest(`${name} must be a string`, { field: name });
  refuseNul(v, name);
  return v;
}

/** An integer, given as a number (JSON) or as decimal text (query, form); `def` when absent. */
export function int(p: Params, name: string, def?: number): number {
  const v = p[name];
  if (v === undefined || v === '') {
    if (def !== undefined) return def;
    throw badRequest(`${name} is required`, { field: name });
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,16}$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest(`${name} must be an integer`, { field: name });
  return n;
}

/** A boolean: true/false (JSON), or `true`/`1`/`True`, `false`/`0`/`False` as text. */
export function bool(p: Params, name: string, def: boolean): boolean {
  const v = p[name];
  if (v === undefined || v === '') return def;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 'True') return true;
  if (v === 'false' || v === '0' || v === 'False') return false;
  throw badRequest(`${name} must be true or false`, { field: name });
}

/**
 * A parameter typed `json`: JSON text in a query, form or multipart field, or real JSON in
 * a JSON body. All of them arrive here.
 */
export function json<T = unknown>(p: Params, name: string, opts: { optional?: boolean } = {}): T | undefined {
  const v = p[name];
  if (v === undefined || v === '') {
    if (opts.optional) return undefined;
    throw badRequest(`${name} is required`, { field: name });
  }
  let value: unknown = v;
  if (typeof v === 'string') {
    try {
      value = JSON.parse(v);
    } catch (e) {
      throw badRequest(`${name} is not valid JSON: ${(e as Error).message}`, { field: name });
    }
  }
  refuseNul(value, name);
  return value as T;
}

/**
 * Epoch milliseconds from decimal text (a whole number within ±(2^53 − 1)) or an ISO 8601
 * date; throws a plain Error saying what was expected (filter value parsers turn it into
 * their 400).
 */
export function epochMs(raw: string): number {
  const ms = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(ms)) throw new Error('expected milliseconds (a whole number within ±9007199254740991) or an ISO 8601 date');
  return ms;
}

/** An id in the dialect's form (codec) as a Kura id. */
export function idOf(p: Params, name: string, codec: IdCodec): number;
export function idOf(p: Params, name: string, codec: IdCodec, opts: { optional: true }): number | undefined;
export function idOf(p: Params, name: string, codec: IdCodec, opts: { optional?: boolean } = {}): number | undefined {
  const v = p[name];
  if ((v === undefined || v === '') && opts.optional) return undefined;
  const n = codec.decode(v);
  if (n === undefined) throw badRequest(`${name} must be ${codec.one} (${codec.form})`, { field: name });
  return n;
}

/** A `json` parameter holding a non-empty array of at most `max` ids in the dialect's form. */
export function idsOf(p: Params, name: string, codec: IdCodec, max = 1000): number[] {
  const v = json<unknown>(p, name);
  if (!Array.isArray(v) || v.length === 0) throw badRequest(`${name} must be a non-empty JSON array of ${codec.many}`, { field: name });
  if (v.length > max) throw badRequest(`${name} holds more than ${max} ids`, { field: name });
  return v.map((x, i) => {
    const n = codec.decode(x);
    if (n === undefined) throw badRequest(`${name}[${i}] is not ${codec.one}`, { field: name, index: i });
    return n;
  });
}
