import { randomBytes } from 'node:crypto';

/**
 * Entity ids are random 53-bit integers (never sequential: several dialects serve files by
 * id without auth). They fit a JavaScript number and a SQL bigint exactly.
 */
export function newId(): number {
  const b = randomBytes(8);
  // 21 bits from the high word, 32 from the low word; never 0.
  const id = (b.readUInt32BE(0) & 0x1fffff) * 0x100000000 + b.readUInt32BE(4);
  return id === 0 ? newId() : id;
}

/** Parse a decimal id as it appears in URLs; undefined when it is not one. */
export function parseId(v: string | undefined): number | undefined {
  if (v === undefined || !/^[1-9][0-9]{0,15}$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A random secret, URL-safe. */
export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');
