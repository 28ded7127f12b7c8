import { badRequest, compileFilter, type FieldSpec, type Filter, type FilterField, type ListOptions, type SortField } from '../../../core/index.js';
import { objectIdCodec } from '../../shared/ids.js';
import { epochMs, int, str, type Params } from '../../shared/params.js';

const objectId = (raw: string) => {
  const id = objectIdCodec.decode(raw);
  if (id === undefined) throw new Error('expected an ObjectId (24 hexadecimal digits)');
  return id;
};

/** The spec's property names in `q` (docs/media.md): `maintype==image;size=gt=1000`. */
export const MEDIA_FIELDS: Record<string, FieldSpec> = {
  id: { field: 'id', parse: objectId },
  created: { field: 'createdAt', parse: epochMs },
  updated: { field: 'modifiedAt', parse: epochMs },
  etag: { field: 'sha256' },
  maintype: { field: 'maintype' },
  subtype: { field: 'subtype' },
  name: { field: 'name' },
  ownerId: { field: 'createdBy', parse: objectId },
  owner: { field: 'createdBy', parse: objectId },
  size: { field: 'size' },
};

/** `orderBy`: every sortable property of the spec (and `owner`, as the answers name it). */
const ORDER_BY: Record<string, SortField> = {
  created: 'created',
  updated: 'modified',
  name: 'name',
  size: 'size',
  maintype: 'mime',
  subtype: 'subtype',
  etag: 'hash',
  ownerId: 'createdBy',
  owner: 'createdBy',
};

/** The field filters of `GET /file/list`: each an exact match. */
const FIELD_PARAMS: Record<string, { field: FilterField; parse?: (raw: string) => string | number }> = {
  maintype: { field: 'maintype', parse: (v) => v.toLowerCase() },
  subtype: { field: 'subtype', parse: (v) => v.toLowerCase() },
  owner: { field: 'createdBy', parse: objectId },
  etag: { field: 'sha256' },
  name: { field: 'name' },
};

const and = (a: Filter | undefined, b: Filter): Filter => (a ? { kind: 'and', left: a, right: b } : b);

/** `GET /file/list` parameters as the core's listing options (files only). */
export function listOptions(p: Params): ListOptions {
  let filter: Filter | undefined;
  const q = str(p, 'q', { optional: true });
  if (q !== undefined) filter = compileFilter(q, MEDIA_FIELDS, 'q');
  for (const [name, spec] of Object.entries(FIELD_PARAMS)) {
    const raw = str(p, name, { optional: true });
    if (raw === undefined) continue;
    let value: string | number;
    try {
      value = spec.parse ? spec.parse(raw) : raw;
    } catch (e) {
      throw badRequest(`${name}: ${(e as Error).message}`, { field: name });
    }
    filter = and(filter, { kind: 'cmp', field: spec.field, op: '==', values: [value], wildcard: false });
  }
  const orderBy = str(p, 'orderBy', { optional: true }) ?? 'created';
  const sort = ORDER_BY[orderBy];
  if (!sort) throw badRequest(`orderBy must be one of ${Object.keys(ORDER_BY).join(', ')}`, { field: 'orderBy' });
  const order = str(p, 'order', { optional: true }) ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw badRequest('order must be asc or desc', { field: 'order' });
  // The spec's example writes `maxResult`; `limit` wins when both are given.
  const limit = p.limit !== undefined && p.limit !== '' ? int(p, 'limit') : int(p, 'maxResult', 10);
  const offset = int(p, 'offset', 0);
  if (limit < 1 || limit > 1000) throw badRequest('limit must be a whole number from 1 to 1000', { field: 'limit' });
  if (offset < 0) throw badRequest('offset must be 0 or more', { field: 'offset' });
  return { filter, sort, order, limit, offset, kind: 'file' };
}
