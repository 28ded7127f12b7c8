import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Filter, FilterField, FilterValue } from '../../core/index.js';

const COLUMN: Record<FilterField, string> = {
  id: 'id',
  name: 'name',
  description: 'description',
  customTag: 'custom_tag',
  mime: 'mime',
  size: 'size',
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
 * A checked filter as a parameterised SQL condition on `items` (values are always bound,
 * never spliced). Wildcard matches are case-insensitive (ASCII on SQLite, full Unicode on
 * PostgreSQL); the same rules as the in-memory `matches`.
 */
export function filterSql(f: Filter): RawBuilder<SqlBool> {
  if (f.kind !== 'cmp') return sql<SqlBool>`(${filterSql(f.left)} ${sql.raw(f.kind)} ${filterSql(f.right)})`;
  const col = sql.ref(`items.${COLUMN[f.field]}`);
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
