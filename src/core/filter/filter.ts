import type { ExpressionNode } from '@rsql/ast';
import { parse } from '@rsql/parser';
import { badRequest } from '../errors.js';
import { INT32, INT53, outOfRange, type IntRange } from '../input.js';
import type { Item } from '../items/view.js';

/** Item fields a filter may test, with their value types. */
export const FILTER_FIELDS = {
  id: 'number',
  name: 'string',
  description: 'string',
  customTag: 'string',
  mime: 'string',
  /** The MIME main type (`image` of `image/jpeg`). */
  maintype: 'string',
  /** The MIME subtype (`jpeg` of `image/jpeg`). */
  subtype: 'string',
  size: 'number',
  /** SHA-256 of the current content (an etag). */
  sha256: 'string',
  isFolder: 'boolean',
  system: 'boolean',
  version: 'number',
  createdAt: 'number',
  modifiedAt: 'number',
  createdBy: 'number',
  modifiedBy: 'number',
} as const;
export type FilterField = keyof typeof FILTER_FIELDS;
export type FilterValue = string | number | boolean;

/**
 * The integers each number field's column holds (store/migrations): a value outside is a
 * 400, never a comparison the database refuses. Versions are 32-bit; the rest are bigint,
 * read as exact JavaScript numbers.
 */
const RANGES: Partial<Record<FilterField, IntRange>> = { version: INT32 };
const rangeOf = (f: FilterField): IntRange => RANGES[f] ?? INT53;

/** How a dialect's property name maps onto a core field, and how its values read. */
export interface FieldSpec {
  field: FilterField;
  /** Raw text → the core field's value; throw (any Error) when invalid. */
  parse?: (raw: string) => FilterValue;
}

/** The core's own field names (the native API's `q`): times in epoch ms. */
export const CORE_FIELD_SPECS: Record<string, FieldSpec> = Object.fromEntries((Object.keys(FILTER_FIELDS) as FilterField[]).map((f) => [f, { field: f }]));

export type Op = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'out';

/** A checked filter: fields are core fields, values are typed. */
export type Filter =
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'cmp'; field: FilterField; op: Op; values: FilterValue[]; wildcard: boolean };

/** Bounds on one wildcard pattern, so matching work per item stays small (SQL LIKE or in memory). */
const MAX_PATTERN = 255;
const MAX_STARS = 16;

const OPS: Record<string, Op> = { '==': '==', '!=': '!=', '<': '<', '=lt=': '<', '<=': '<=', '=le=': '<=', '>': '>', '=gt=': '>', '>=': '>=', '=ge=': '>=', '=in=': 'in', '=out=': 'out' };

function defaultParse(field: FilterField, raw: string): FilterValue {
  const type = FILTER_FIELDS[field];
  // MIME types are stored in lower case.
  if (field === 'maintype' || field === 'subtype') return raw.toLowerCase();
  if (type === 'string') return raw;
  if (type === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new Error('expected true or false');
  }
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new Error('expected a number');
  return n;
}

/**
 * Parses an RSQL expression (`==`, `!=`, `=gt=`, `=ge=`, `=lt=`, `=le=`, `=in=`, `=out=`, `*`
 * wildcards in `==`/`!=` on text, `;` and, `,` or, parentheses) against the dialect's field
 * names. Any error is a 400 that says where.
 */
export function compileFilter(expression: string, fields: Record<string, FieldSpec>, param = 'Search'): Filter {
  if (expression.length > 4096) throw badRequest(`${param} is longer than 4096 characters`, { field: param });
  if (expression.includes('\u0000')) throw badRequest(`${param} must not contain NUL (U+0000) characters`, { field: param });
  let ast: ExpressionNode;
  try {
    ast = parse(expression);
  } catch (e) {
    throw badRequest(`${param}: ${(e as Error).message}`, { field: param });
  }
  const at = (selector: string) => Math.max(0, expression.indexOf(selector));
  const walk = (n: ExpressionNode): Filter => {
    if (n.type === 'LOGIC') {
      const kind = n.operator === ';' || n.operator === 'and' ? 'and' : 'or';
      return { kind, left: walk(n.left), right: walk(n.right) };
    }
    const name = n.left.selector;
    const spec = fields[name];
    if (!spec) throw badRequest(`${param}: unknown property "${name}" at position ${at(name)}; known: ${Object.keys(fields).join(', ')}`, { field: param, position: at(name) });
    const op = OPS[n.operator];
    if (!op) throw badRequest(`${param}: unsupported operator "${n.operator}" after "${name}" at position ${at(name)}`, { field: param, position: at(name) });
    const raws = Array.isArray(n.right.value) ? n.right.value : [n.right.value];
    const values = raws.map((raw) => {
      let v: FilterValue;
      try {
        v = spec.parse ? spec.parse(raw) : defaultParse(spec.field, raw);
      } catch (e) {
        throw badRequest(`${param}: bad value "${raw}" for "${name}" at position ${at(name)}: ${(e as Error).message}`, { field: param, position: at(name) });
      }
      // Whatever a dialect's parser made of it (a date, a version counted from 0).
      const wrong = FILTER_FIELDS[spec.field] === 'number' ? (typeof v === 'number' ? outOfRange(v, rangeOf(spec.field)) : 'expected a number') : undefined;
      if (wrong) throw badRequest(`${param}: bad value "${raw}" for "${name}" at position ${at(name)}: ${wrong}`, { field: param, position: at(name) });
      return v;
    });
    const text = FILTER_FIELDS[spec.field] === 'string';
    const wildcard = text && (op === '==' || op === '!=') && typeof values[0] === 'string' && (values[0] as string).includes('*');
    if (wildcard) {
      const pattern = values[0] as string;
      if (pattern.length > MAX_PATTERN || pattern.split('*').length - 1 > MAX_STARS) {
        throw badRequest(`${param}: the pattern for "${name}" at position ${at(name)} is too long (at most ${MAX_PATTERN} characters and ${MAX_STARS} wildcards)`, { field: param, position: at(name) });
      }
    }
    if ((spec.field === 'maintype' || spec.field === 'subtype') && (op === '<' || op === '<=' || op === '>' || op === '>=')) {
      throw badRequest(`${param}: compare "${name}" with ==, !=, =in= or =out= (at position ${at(name)})`, { field: param, position: at(name) });
    }
    if (!text && (op === '<' || op === '<=' || op === '>' || op === '>=') && FILTER_FIELDS[spec.field] === 'boolean') {
      throw badRequest(`${param}: "${name}" is true or false; compare it with == or !=`, { field: param, position: at(name) });
    }
    return { kind: 'cmp', field: spec.field, op, values, wildcard };
  };
  return walk(ast);
}

const fieldValue = (i: Item, f: FilterField): FilterValue | null => {
  switch (f) {
    case 'isFolder':
      return i.kind === 'folder';
    case 'mime':
      return i.mime;
    case 'maintype':
      return i.mime === null ? null : i.mime.slice(0, Math.max(0, i.mime.indexOf('/')));
    case 'subtype':
      return i.mime === null ? null : i.mime.slice(i.mime.indexOf('/') + 1);
    default:
      return i[f] as FilterValue;
  }
};

/**
 * Case-insensitive `*` wildcard match in linear time: the pattern's pieces between stars
 * are found in order, each at its leftmost place (which is always right when `*` is the
 * only wildcard), so no input can make it backtrack.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  const parts = pattern.toLowerCase().split('*');
  const t = text.toLowerCase();
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (parts.length === 1) return t === first;
  if (!t.startsWith(first) || t.length < first.length + last.length || !t.endsWith(last)) return false;
  let at = first.length;
  const end = t.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = t.indexOf(parts[i], at);
    if (found < 0 || found + parts[i].length > end) return false;
    at = found + parts[i].length;
  }
  return true;
}

/** Evaluates a filter on an item in memory (trees); the same rules as the SQL form. */
export function matches(f: Filter, i: Item): boolean {
  if (f.kind !== 'cmp') return f.kind === 'and' ? matches(f.left, i) && matches(f.right, i) : matches(f.left, i) || matches(f.right, i);
  const v = fieldValue(i, f.field);
  if (v === null) return f.op === '!=' || f.op === 'out';
  const eq = (x: FilterValue) => (f.wildcard && typeof x === 'string' ? wildcardMatch(x, String(v)) : x === v);
  switch (f.op) {
    case '==':
      return eq(f.values[0]);
    case '!=':
      return !eq(f.values[0]);
    case 'in':
      return f.values.some((x) => x === v);
    case 'out':
      return !f.values.some((x) => x === v);
    case '<':
      return v < f.values[0];
    case '<=':
      return v <= f.values[0];
    case '>':
      return v > f.values[0];
    default:
      return v >= f.values[0];
  }
}
