import { badRequest } from './errors.js';

/**
 * Characters a name may not hold: C0 and C1 controls (U+0085 included), line and paragraph
 * separators, the bidirectional marks (U+200E, U+200F, U+061C: invisible, they reorder what
 * follows), embeddings, overrides and isolates (U+202E would make `gpj.exe` show as
 * `exe.jpg`), and the byte-order mark.
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
/** A UTF-16 surrogate without its other half: not a character at all. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Longest name, in UTF-16 code units (what every database and client agrees on). */
export const MAX_NAME = 255;

/**
 * Item names: 1–255 UTF-16 code units of the NFC form, case-sensitive, no `/`, `\`,
 * control, separator or bidirectional-override characters, no lone surrogates, not `.` or
 * `..`, no leading or trailing spaces. Returns the normalised (NFC) name or throws
 * bad_request saying why.
 */
export function checkName(raw: unknown, field = 'name'): string {
  if (typeof raw !== 'string') throw badRequest(`${field} must be a string`, { field });
  if (LONE_SURROGATE.test(raw)) throw badRequest(`${field} holds an unpaired UTF-16 surrogate`, { field });
  const name = raw.normalize('NFC');
  if (name.length === 0) throw badRequest(`${field} must not be empty`, { field });
  if (name.length > MAX_NAME) throw badRequest(`${field} is longer than ${MAX_NAME} characters`, { field });
  if (name === '.' || name === '..') throw badRequest(`${field} must not be "." or ".."`, { field });
  if (name.includes('/') || name.includes('\\')) throw badRequest(`${field} must not contain / or \\`, { field });
  if (FORBIDDEN.test(name)) throw badRequest(`${field} must not contain control, separator or text-direction characters`, { field });
  if (name.trim() !== name) throw badRequest(`${field} must not start or end with spaces`, { field });
  return name;
}

/** The first `max` UTF-16 units of `s`, never cutting a surrogate pair (an emoji) in two. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const end = max > 0 && /[\ud800-\udbff]/.test(s[max - 1]) ? max - 1 : max;
  return s.slice(0, Math.max(0, end));
}

/**
 * `report.pdf` → `report (1).pdf`, `archive` → `archive (1)`: the rename-on-clash policy.
 * The result obeys checkName: within 255 units (the stem, then a too-long extension, is
 * shortened without splitting characters) and never ending in a space.
 */
export function numberedName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  let [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  const suffix = ` (${n})`;
  // An extension that leaves no room for a stem is not treated as one.
  if (ext.length > MAX_NAME - suffix.length - 1) [stem, ext] = [name, ''];
  stem = cut(stem, MAX_NAME - suffix.length - ext.length).trimEnd() || '_';
  return checkName(stem + suffix + ext);
}

/** The part after the last dot, lowercased, without the dot ('' when none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}
