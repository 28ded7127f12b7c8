import { badRequest, extensionOf, type Item, type User } from '../../../core/index.js';
import { toObjectId } from '../../shared/ids.js';

/** Dates in the ASP.NET JSON form the spec's `/Date/` placeholder stands for. */
export const driveDate = (ms: number): string => `/Date(${ms})/`;

export interface DriveUser {
  _id: string;
  Email: string;
  PhoneNumber: string;
  RealName: string;
}

export const driveUser = (u: User | undefined, id: number): DriveUser => ({
  _id: toObjectId(id),
  Email: u?.email ?? '',
  PhoneNumber: u?.phone ?? '',
  RealName: u?.realName ?? '',
});

/** Drive versions count from 0: the core's version 1 is the drive's Version 0. */
export const driveVersion = (coreVersion: number): number => coreVersion - 1;

export interface RenderContext {
  publicUrl: string;
  users: Map<number, User>;
}

/**
 * What repeats across the items of one answer (parents, people, icons), rendered once: a
 * listing of 10,000 files names a handful of users and extensions.
 */
class RenderMemo {
  private readonly oids = new Map<number, string>();
  private readonly people = new Map<number, DriveUser>();
  private readonly icons = new Map<string, [string, string]>();

  constructor(private readonly ctx: RenderContext) {}

  oid(id: number): string {
    let s = this.oids.get(id);
    if (s === undefined) this.oids.set(id, (s = toObjectId(id)));
    return s;
  }

  person(id: number): DriveUser {
    let p = this.people.get(id);
    if (p === undefined) this.people.set(id, (p = driveUser(this.ctx.users.get(id), id)));
    return p;
  }

  icon(ext: string): [string, string] {
    let pair = this.icons.get(ext);
    if (pair === undefined) {
      const url = (t: number) => `${this.ctx.publicUrl}/v1/file/thumbnail?ExtName=${encodeURIComponent(ext)}&ThumbnailType=${t}`;
      this.icons.set(ext, (pair = [url(1), url(2)]));
    }
    return pair;
  }
}

const memos = new WeakMap<RenderContext, RenderMemo>();

/** The full item object of the spec (upload, info, children, recycle list …). */
export function driveItem(i: Item, ctx: RenderContext): Record<string, unknown> {
  let memo = memos.get(ctx);
  if (!memo) memos.set(ctx, (memo = new RenderMemo(ctx)));
  const [small, large] = memo.icon(i.kind === 'folder' ? 'folder' : extensionOf(i.name));
  const out: Record<string, unknown> = {
    _id: toObjectId(i.id),
    Name: i.name,
    Thumbnail: small,
    LargeThumbnail: large,
    Description: i.description,
    ParentId: i.parentId === null ? null : memo.oid(i.parentId),
    CreateUser: memo.person(i.createdBy),
    CreatorId: memo.oid(i.createdBy),
    CreateDate: driveDate(i.createdAt),
    ModifyUser: memo.person(i.modifiedBy),
    ModifierId: memo.oid(i.modifiedBy),
    ModifyDate: driveDate(i.modifiedAt),
    IsFolder: i.kind === 'folder',
    ItemType: i.system ? 1 : 0,
  };
  if (i.kind === 'file') {
    out.Version = driveVersion(i.version);
    out.FileSize = i.size;
  }
  return out;
}

/**
 * `Map`: `["A","B"]` keeps only those fields, `["^A","^B"]` drops them; mixing the two
 * forms, or naming a field the object does not have, is a 400 that says which.
 */
export function projector(map: unknown, known: readonly string[]): (o: Record<string, unknown>) => Record<string, unknown> {
  if (map === undefined || map === null) return (o) => o;
  if (!Array.isArray(map) || map.some((m) => typeof m !== 'string')) throw badRequest('Map must be a JSON array of property names', { field: 'Map' });
  if (map.length === 0) return (o) => o;
  const names = map as string[];
  const drop = names.every((n) => n.startsWith('^'));
  if (!drop && names.some((n) => n.startsWith('^'))) throw badRequest('Map mixes kept ("A") and dropped ("^A") properties', { field: 'Map' });
  const fields = names.map((n) => (drop ? n.slice(1) : n));
  fields.forEach((f, i) => {
    if (!known.includes(f)) throw badRequest(`Map[${i}]: unknown property "${f}"; known: ${known.join(', ')}`, { field: 'Map', index: i });
  });
  const set = new Set(fields);
  return drop
    ? (o) => Object.fromEntries(Object.entries(o).filter(([k]) => !set.has(k)))
    : (o) => Object.fromEntries(Object.entries(o).filter(([k]) => set.has(k)));
}

export const ITEM_FIELDS = ['_id', 'Name', 'Thumbnail', 'LargeThumbnail', 'Description', 'ParentId', 'CreateUser', 'CreatorId', 'CreateDate', 'ModifyUser', 'ModifierId', 'ModifyDate', 'IsFolder', 'ItemType', 'Version', 'FileSize', 'Children', 'History', 'AccessInfo', 'Properties'] as const;
