import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { categoryOf, FILTER_FIELDS, type Filter, type FilterField, type FilterValue } from '../../core/index.js';

const COLUMN: Record<FilterField, string> = {
  id: 'id',
  name: 'name',
  description: 'description',
  customTag: 'custom_tag',
  mime: 'mime',
  maintype: 'mime',
  subtype: 'mime',
  size: 'size',
  sha256: 'blob_hash',
  isFolder: 'kind',
  system: 'system',
  version: 'version',
  createdAt: 'created_at',
  modifiedAt: 'modified_at',
  createdBy: 'created_by',
  modifiedBy: 'modified_by',
};

const SQL_OP = { '==': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;

/** Values as stored: folders are kind 'folder', booleans 0/1. */
function stored(field: FilterField, v: FilterValue): string | number {
  if (field === 'isFolder') return v === true ? 'folder' : 'file';
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

/** `a*b` → `a%b` with LIKE's own characters escaped. */
const likePattern = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');

/**
 * `maintype == X`: the stored category (image, audio, video, other) is a function of the
 * main type, so it narrows the rows through an index; the prefix test makes it exact.
 */
function isMaintype(x: string, plain?: boolean): RawBuilder<SqlBool> {
  const category = categoryOf(`${x}/`);
  const col = plain ? sql`(items.category || '')` : sql`items.category`;
  if (category !== 'other') return sql<SqlBool>`${col} = ${category}`;
  return sql<SqlBool>`(${col} = 'other' and substr(items.mime, 1, ${x.length + 1}) = ${`${x}/`})`;
}

/** `subtype == X`: the part after the slash (sniffed types have one). */
const isSubtype = (x: string): RawBuilder<SqlBool> => sql<SqlBool>`substr(items.mime, length(items.mime) - ${x.length}) = ${`/${x}`}`;

/** The MIME main type or subtype, compared whole or by wildcard, case-insensitively. */
function mimePart(f: Extract<Filter, { kind: 'cmp' }>, plain?: boolean): RawBuilder<SqlBool> {
  const one = (v: FilterValue): RawBuilder<SqlBool> => {
    const x = String(v).toLowerCase();
    if (f.wildcard) {
      const pattern = f.field === 'maintype' ? `${likePattern(x)}/%` : `%/${likePattern(x)}`;
      return sql<SqlBool>`lower(items.mime) like ${pattern} escape '\\'`;
    }
    return f.field === 'maintype' ? isMaintype(x, plain) : isSubtype(x);
  };
  const any = f.values.length === 1 ? one(f.values[0]) : sql<SqlBool>`(${sql.join(f.values.map(one), sql` or `)})`;
  const negated = f.op === '!=' || f.op === 'out';
  return negated ? sql<SqlBool>`(items.mime is null or not (${any}))` : any;
}

/**
 * A column as an expression no index serves (`text || ''`, `number + 0`), the same value
 * on both databases: a page of a long listing that many rows match is read fastest by
 * walking the index of its sort order, and a filter term an index could serve would lead
 * the planner to that index and a sort of every match instead.
 */
function unindexed(field: FilterField): RawBuilder<unknown> {
  const col = sql.ref(`items.${COLUMN[field]}`);
  return FILTER_FIELDS[field] === 'string' || field === 'isFolder' ? sql`(${col} || '')` : sql`(${col} + 0)`;
}

/**
 * A checked filter as a parameterised SQL condition on `items` (values are always bound,
 * never spliced). Wildcard matches are case-insensitive (ASCII on SQLite, full Unicode on
 * PostgreSQL); the same rules as the in-memory `matches`.
 */
export function filterSql(f: Filter, opts: { unindexed?: boolean } = {}): RawBuilder<SqlBool> {
  if (f.kind !== 'cmp') return sql<SqlBool>`(${filterSql(f.left, opts)} ${sql.raw(f.kind)} ${filterSql(f.right, opts)})`;
  if (f.field === 'maintype' || f.field === 'subtype') return mimePart(f, opts.unindexed);
  const col = opts.unindexed ? unindexed(f.field) : sql.ref(`items.${COLUMN[f.field]}`);
  const values = f.values.map((v) => stored(f.field, v));
  if (f.op === 'in' || f.op === 'out') {
    const list = sql.join(values.map((v) => sql`${v}`));
    return f.op === 'in' ? sql<SqlBool>`${col} in (${list})` : sql<SqlBool>`(${col} is null or ${col} not in (${list}))`;
  }
  if (f.wildcard) {
    const like = sql<SqlBool>`lower(${col}) like lower(${likePattern(String(values[0]))}) escape '\\'`;
    return f.op === '==' ? like : sql<SqlBool>`(${col} is null or not (${like}))`;
  }
  const cmp = sql<SqlBool>`${col} ${sql.raw(SQL_OP[f.op])} ${values[0]}`;
  return f.op === '!=' ? sql<SqlBool>`(${col} is null or ${cmp})` : cmp;
}
