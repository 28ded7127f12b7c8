import { badRequest } from './errors.js';

/*
 * What any value a client sends must be before it reaches a query: the rules every face
 * (the toolkit's readers and body parsers) and the filter compiler apply alike, so SQLite
 * and PostgreSQL answer the same 400 instead of PostgreSQL failing with a 500.
 */

/**
 * The path of the first text in `v` that holds NUL (U+0000), which no PostgreSQL text column
 * can store: `v` itself (`base`), or inside JSON (object keys too), as `Data.Infos[0].Name`;
 * undefined when there is none. Iterative, so no nesting depth overflows the stack.
 */
export function nulAt(v: unknown, base: string): string | undefined {
  const stack: [unknown, string][] = [[v, base]];
  while (stack.length > 0) {
    const [x, path] = stack.pop()!;
    if (typeof x === 'string') {
      if (x.includes('\u0000')) return path;
    } else if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) stack.push([x[i], `${path}[${i}]`]);
    } else if (x !== null && typeof x === 'object') {
      for (const [k, y] of Object.entries(x)) {
        const at = path ? `${path}.${k}` : k;
        if (k.includes('\u0000')) return at;
        stack.push([y, at]);
      }
    }
  }
  return undefined;
}

/** Refuses text (or JSON holding text) with NUL: 400 naming the field. */
export function refuseNul(v: unknown, field: string): void {
  const at = nulAt(v, field);
  if (at !== undefined) throw badRequest(`${at || 'the body'} must not contain NUL (U+0000) characters`, { field: at || field });
}

/** Inclusive bounds of an integer a column holds. */
export interface IntRange {
  min: number;
  max: number;
}

/**
 * Integers Kura keeps in `bigint` columns (ids, sizes, times in ms, counts): read as
 * JavaScript numbers, so exact within ±(2^53 − 1); PostgreSQL's bigint reaches ±2^63 but a
 * number beyond 2^53 would not be the one the client wrote.
 */
export const INT53: IntRange = { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** Integers in `integer` columns (version numbers): 32 bits. */
export const INT32: IntRange = { min: -(2 ** 31), max: 2 ** 31 - 1 };

/** Why `n` is not an integer within `range`, or undefined when it is one. */
export function outOfRange(n: number, range: IntRange): string | undefined {
  if (!Number.isInteger(n)) return 'expected a whole number';
  if (n < range.min || n > range.max) return `expected a whole number from ${range.min} to ${range.max}`;
  return undefined;
}
