import { parseId } from '../../core/index.js';

/**
 * How one dialect writes Kura's 53-bit ids (docs/architecture.md, Domain): the same number
 * in every dialect, rendered as its spec says. Readers in params.ts take a codec.
 */
export interface IdCodec<T extends string | number = string | number> {
  /** The id in the dialect's form. */
  encode(id: number): T;
  /** A Kura id from a parameter value; undefined when the value is not one. */
  decode(v: unknown): number | undefined;
  /** For messages: "an ObjectId". */
  readonly one: string;
  /** For messages: "ObjectIds". */
  readonly many: string;
  /** For messages: "24 hexadecimal digits". */
  readonly form: string;
}

/** ObjectId rendering (`drive`, `media`): 24 lowercase hex digits, zero-padded. */
export const toObjectId = (id: number): string => id.toString(16).padStart(24, '0');

/** A Kura id from 24 lowercase hex digits; undefined when it is not one. */
export function fromObjectId(v: string): number | undefined {
  if (!/^[0-9a-f]{24}$/.test(v)) return undefined;
  const n = parseInt(v, 16);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** 24-hex ObjectIds; read case-insensitively, written in lower case. */
export const objectIdCodec: IdCodec<string> = {
  encode: toObjectId,
  decode: (v) => (typeof v === 'string' ? fromObjectId(v.toLowerCase()) : undefined),
  one: 'an ObjectId',
  many: 'ObjectIds',
  form: '24 hexadecimal digits',
};

/** JSON numbers (`native`, `social`, `tencenturies`); read from numbers or decimal text (paths, queries). */
export const decimalNumberCodec: IdCodec<number> = {
  encode: (id) => id,
  decode: (v) => (typeof v === 'number' ? (Number.isSafeInteger(v) && v > 0 ? v : undefined) : typeof v === 'string' ? parseId(v) : undefined),
  one: 'an id',
  many: 'ids',
  form: 'a positive whole number',
};

/** Decimal strings (`onebot`); read from decimal text only. */
export const decimalStringCodec: IdCodec<string> = {
  encode: (id) => String(id),
  decode: (v) => (typeof v === 'string' ? parseId(v) : undefined),
  one: 'an id',
  many: 'ids',
  form: 'a positive whole number as a string',
};
