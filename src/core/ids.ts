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

/** ObjectId rendering used by the `drive` and `media` dialects: 24 lowercase hex digits. */
export const toObjectId = (id: number): string => id.toString(16).padStart(24, '0');
export function fromObjectId(v: string): number | undefined {
  if (!/^[0-9a-f]{24}$/.test(v)) return undefined;
  const n = parseInt(v, 16);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** A random secret, URL-safe. */
export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');
