import type { FastifyRequest } from 'fastify';
import { badRequest } from '../../../core/errors.js';
import { fromObjectId } from '../../../core/ids.js';

export type Params = Record<string, unknown>;

/**
 * The request's parameters: the query string for GET, the form or JSON body for POST
 * (the query string too, as a fallback). Multipart bodies are read by the handlers that
 * take files, in order.
 */
export function paramsOf(req: FastifyRequest): Params {
  const query = (req.query ?? {}) as Params;
  const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Params) : {};
  return { ...query, ...body };
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
  return v;
}

/** An ObjectId parameter (24 hex digits) as a Kura id. */
export function objectId(p: Params, name: string): number;
export function objectId(p: Params, name: string, optional: true): number | undefined;
export function objectId(p: Params, name: string, optional = false): number | undefined {
  const v = p[name];
  if ((v === undefined || v === '') && optional) return undefined;
  const id = typeof v === 'string' ? fromObjectId(v.toLowerCase()) : undefined;
  if (id === undefined) throw badRequest(`${name} must be an ObjectId (24 hexadecimal digits)`, { field: name });
  return id;
}

/** An integer parameter, given as a number (JSON) or as decimal text (query, form). */
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

export function bool(p: Params, name: string, def: boolean): boolean {
  const v = p[name];
  if (v === undefined || v === '') return def;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 'True') return true;
  if (v === 'false' || v === '0' || v === 'False') return false;
  throw badRequest(`${name} must be true or false`, { field: name });
}

/**
 * A parameter typed `json`: JSON text in a query or form field, or real JSON in a JSON
 * body. All three arrive here.
 */
export function json<T = unknown>(p: Params, name: string, opts: { optional?: boolean } = {}): T | undefined {
  const v = p[name];
  if (v === undefined || v === '') {
    if (opts.optional) return undefined;
    throw badRequest(`${name} is required`, { field: name });
  }
  if (typeof v !== 'string') return v as T;
  try {
    return JSON.parse(v) as T;
  } catch (e) {
    throw badRequest(`${name} is not valid JSON: ${(e as Error).message}`, { field: name });
  }
}

/** A `json` parameter that must be an array of ObjectIds. */
export function objectIds(p: Params, name: string): number[] {
  const v = json<unknown>(p, name);
  if (!Array.isArray(v) || v.length === 0) throw badRequest(`${name} must be a non-empty JSON array of ObjectIds`, { field: name });
  if (v.length > 1000) throw badRequest(`${name} holds more than 1000 ids`, { field: name });
  return v.map((x, i) => {
    const id = typeof x === 'string' ? fromObjectId(x.toLowerCase()) : undefined;
    if (id === undefined) throw badRequest(`${name}[${i}] is not an ObjectId`, { field: name, index: i });
    return id;
  });
}
