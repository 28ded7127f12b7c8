import { badRequest } from './errors.js';

/* eslint-disable no-control-regex */
const CONTROL = /[\u0000-\u001f\u007f]/;
/* eslint-enable no-control-regex */

/**
 * Item names: 1–255 characters (UTF-16 code units of the NFC form), case-sensitive, no `/`,
 * `\`, NUL or other control characters, not `.` or `..`, no leading or trailing spaces.
 * Returns the normalised (NFC) name or throws bad_request saying why.
 */
export function checkName(raw: unknown, field = 'name'): string {
  if (typeof raw !== 'string') throw badRequest(`${field} must be a string`, { field });
  const name = raw.normalize('NFC');
  if (name.length === 0) throw badRequest(`${field} must not be empty`, { field });
  if (name.length > 255) throw badRequest(`${field} is longer than 255 characters`, { field });
  if (name === '.' || name === '..') throw badRequest(`${field} must not be "." or ".."`, { field });
  if (name.includes('/') || name.includes('\\')) throw badRequest(`${field} must not contain / or \\`, { field });
  if (CONTROL.test(name)) throw badRequest(`${field} must not contain control characters`, { field });
  if (name.trim() !== name) throw badRequest(`${field} must not start or end with spaces`, { field });
  return name;
}

/** `report.pdf` → `report (1).pdf`, `archive` → `archive (1)`: the rename-on-clash policy. */
export function numberedName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  const suffix = ` (${n})`;
  // Keep within 255 characters by shortening the stem.
  const room = 255 - suffix.length - ext.length;
  return stem.slice(0, Math.max(1, room)) + suffix + ext;
}

/** The part after the last dot, lowercased, without the dot ('' when none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}
