import type { FastifyInstance, RouteOptions } from 'fastify';
import { INT53 } from '../../core/index.js';

type Schema = Record<string, unknown>;

const isInteger = (s: Schema) => s.type === 'integer' || (Array.isArray(s.type) && s.type.includes('integer'));

/**
 * Every `integer` of a request schema gets bounds the columns hold (±(2^53 − 1), core
 * input.ts) unless it has its own: JSON's `1e20` is an integer to Ajv, but no id, size or
 * time Kura keeps, so it is the schema's 400 naming the field, not a database error.
 * Changes the schema in place (idempotent: shared schema objects are fine).
 */
function bound(schema: unknown, seen: Set<unknown>): void {
  if (schema === null || typeof schema !== 'object' || seen.has(schema)) return;
  seen.add(schema);
  if (Array.isArray(schema)) {
    for (const s of schema) bound(s, seen);
    return;
  }
  const s = schema as Schema;
  if (isInteger(s)) {
    if (s.minimum === undefined && s.exclusiveMinimum === undefined) s.minimum = INT53.min;
    if (s.maximum === undefined && s.exclusiveMaximum === undefined) s.maximum = INT53.max;
  }
  for (const v of Object.values(s)) bound(v, seen);
}

/** Bounds the integers of every route registered in `app` from now on (body, query string, path, headers). */
export function boundIntegers(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const seen = new Set<unknown>();
    for (const part of ['body', 'querystring', 'params', 'headers'] as const) bound(route.schema?.[part], seen);
  });
}
