import type { FieldSpec } from '../../../core/index.js';
import { objectIdCodec } from '../../shared/ids.js';
import { epochMs } from '../../shared/params.js';

const objectId = (raw: string) => {
  const id = objectIdCodec.decode(raw);
  if (id === undefined) throw new Error('expected an ObjectId');
  return id;
};

/** `/Date(ms)/`, epoch milliseconds, or an ISO 8601 date. */
const date = (raw: string) => {
  const m = /^\/Date\((-?\d+)\)\/$/.exec(raw);
  try {
    return epochMs(m ? m[1] : raw);
  } catch {
    throw new Error('expected /Date(ms)/, milliseconds (a whole number within ±9007199254740991) or an ISO date');
  }
};

/** The drive's property names for `ListParams.Search` (docs/drive.md). */
export const DRIVE_SEARCH_FIELDS: Record<string, FieldSpec> = {
  _id: { field: 'id', parse: objectId },
  Name: { field: 'name' },
  Description: { field: 'description' },
  FileSize: { field: 'size' },
  IsFolder: { field: 'isFolder' },
  ItemType: {
    field: 'system',
    parse: (raw) => {
      if (raw !== '0' && raw !== '1') throw new Error('expected 0 or 1');
      return raw === '1';
    },
  },
  // Drive versions count from 0; the core's from 1.
  Version: {
    field: 'version',
    parse: (raw) => {
      if (!/^\d+$/.test(raw)) throw new Error('expected a whole number');
      return Number(raw) + 1;
    },
  },
  CreateDate: { field: 'createdAt', parse: date },
  ModifyDate: { field: 'modifiedAt', parse: date },
  CreatorId: { field: 'createdBy', parse: objectId },
  ModifierId: { field: 'modifiedBy', parse: objectId },
};
