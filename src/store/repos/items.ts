import { sql } from 'kysely';
import type { Insertable, Updateable } from 'kysely';
import type { Filter } from '../../core/filter/filter.js';
import type { Db, ItemsTable, MemberRole } from '../schema.js';
import { filterSql } from './filter-sql.js';

/** An item row as read back (defaults filled in). */
export interface ItemRow {
  id: number;
  space_id: number;
  parent_id: number | null;
  name: string;
  kind: 'file' | 'folder';
  system: number;
  description: string;
  custom_tag: string;
  properties: string;
  created_by: number;
  created_at: number;
  modified_by: number;
  modified_at: number;
  size: number;
  mime: string | null;
  version: number;
  blob_hash: string | null;
  download_count: number;
  expires_at: number | null;
  trashed_at: number | null;
  trash_root: number | null;
}

export type NewItem = Omit<Insertable<ItemsTable>, 'download_count'>;

export const insertItem = (db: Db, row: NewItem) => db.insertInto('items').values(row).execute();

/** Inserts a new, empty folder. */
export const insertFolder = (db: Db, f: { id: number; spaceId: number; parentId: number | null; name: string; by: number; at: number; system?: boolean }) =>
  insertItem(db, {
    id: f.id,
    space_id: f.spaceId,
    parent_id: f.parentId,
    name: f.name,
    kind: 'folder',
    system: f.system ? 1 : 0,
    created_by: f.by,
    created_at: f.at,
    modified_by: f.by,
    modified_at: f.at,
    mime: null,
    blob_hash: null,
    expires_at: null,
    trashed_at: null,
    trash_root: null,
  });

export const itemById = (db: Db, id: number) =>
  db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst() as Promise<ItemRow | undefined>;

export const itemsByIds = async (db: Db, ids: number[]) =>
  ids.length === 0 ? [] : ((await db.selectFrom('items').selectAll().where('id', 'in', ids).execute()) as ItemRow[]);

export const liveChildByName = (db: Db, parentId: number, name: string) =>
  db
    .selectFrom('items')
    .selectAll()
    .where('parent_id', '=', parentId)
    .where('name', '=', name)
    .where('trashed_at', 'is', null)
    .executeTakeFirst() as Promise<ItemRow | undefined>;

/** Which of `names` are taken among the live children of a folder. */
export async function takenNames(db: Db, parentId: number, names: string[]): Promise<Set<string>> {
  const rows = await db
    .selectFrom('items')
    .select('name')
    .where('parent_id', '=', parentId)
    .where('name', 'in', names)
    .where('trashed_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.name));
}

export type SortField = 'name' | 'size' | 'created' | 'modified';
const SORT_COLUMN = { name: 'name', size: 'size', created: 'created_at', modified: 'modified_at' } as const;

export interface ChildrenQuery {
  sort: SortField;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
  kind?: 'file' | 'folder';
  /** Children the caller may not see. */
  exclude?: number[];
  /** Only children matching this filter. */
  filter?: Filter;
}

/** Live children of a folder, folders first, then by the sort field (id breaks ties). */
export async function liveChildren(db: Db, parentId: number, q: ChildrenQuery): Promise<ItemRow[]> {
  let query = db.selectFrom('items').selectAll().where('parent_id', '=', parentId).where('trashed_at', 'is', null);
  if (q.kind) query = query.where('kind', '=', q.kind);
  if (q.exclude?.length) query = query.where('id', 'not in', q.exclude);
  if (q.filter) query = query.where(filterSql(q.filter));
  query = query.orderBy('kind', 'desc'); // 'folder' > 'file'
  // Names sort case-insensitively, the same on both databases (PostgreSQL's collation
  // would otherwise differ from SQLite's byte order); exact name, then id, break ties.
  if (q.sort === 'name') query = query.orderBy(sql`lower(name)`, q.order);
  return (await query
    .orderBy(SORT_COLUMN[q.sort], q.order)
    .orderBy('id', q.order)
    .limit(q.limit)
    .offset(q.offset)
    .execute()) as ItemRow[];
}

export async function countLiveChildren(db: Db, parentId: number, kind?: 'file' | 'folder', exclude?: number[], filter?: Filter): Promise<number> {
  let query = db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).where('parent_id', '=', parentId).where('trashed_at', 'is', null);
  if (kind) query = query.where('kind', '=', kind);
  if (exclude?.length) query = query.where('id', 'not in', exclude);
  if (filter) query = query.where(filterSql(filter));
  return Number((await query.executeTakeFirstOrThrow()).n);
}

export type ItemPatch = Omit<Updateable<ItemsTable>, 'id' | 'created_by' | 'created_at' | 'download_count'>;

export async function updateItem(db: Db, id: number, patch: ItemPatch): Promise<boolean> {
  const r = await db.updateTable('items').set(patch).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Ids of the item's ancestors, nearest first (the item itself excluded). */
export async function ancestorIds(db: Db, id: number): Promise<number[]> {
  const r = await sql<{ id: number; depth: number }>`
    with recursive up(id, parent_id, depth) as (
      select id, parent_id, 0 from items where id = ${id}
      union all
      select i.id, i.parent_id, up.depth + 1 from items i join up on i.id = up.parent_id
    )
    select id, depth from up where depth > 0 order by depth`.execute(db);
  return r.rows.map((x) => Number(x.id));
}

/** Every item below `id` (not `id` itself), whatever its trash state, with its depth. */
export async function subtree(db: Db, id: number): Promise<(ItemRow & { depth: number })[]> {
  const r = await sql<ItemRow & { depth: number }>`
    with recursive down(id, depth) as (
      select id, 0 from items where parent_id = ${id}
      union all
      select i.id, down.depth + 1 from items i join down on i.parent_id = down.id
    )
    select items.*, down.depth from items join down on items.id = down.id order by down.depth, items.id`.execute(db);
  return r.rows;
}

/** Logical bytes (every version) and file count of the subtree rooted at `id`, itself included. */
export async function subtreeUsage(db: Db, id: number): Promise<{ bytes: number; files: number }> {
  const r = await sql<{ bytes: number | null; files: number | null }>`
    with recursive down(id) as (
      select id from items where id = ${id}
      union all
      select i.id from items i join down on i.parent_id = down.id
    )
    select
      (select coalesce(sum(v.size), 0) from versions v join down d on v.item_id = d.id) as bytes,
      (select count(*) from items i join down d on i.id = d.id where i.kind = 'file') as files`.execute(db);
  return { bytes: Number(r.rows[0]?.bytes ?? 0), files: Number(r.rows[0]?.files ?? 0) };
}

/** Puts the item and its live descendants in the trash, marked with `rootId`. */
export async function trashSubtree(db: Db, rootId: number, at: number): Promise<number> {
  const r = await sql`
    with recursive down(id) as (
      select id from items where id = ${rootId}
      union all
      select i.id from items i join down on i.parent_id = down.id where i.trashed_at is null
    )
    update items set trashed_at = ${at}, trash_root = ${rootId}
    where id in (select id from down) and trashed_at is null`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** An item with the role `userId` holds in its space (undefined role: not a member), in one query. */
export const itemWithRole = (db: Db, id: number, userId: number) =>
  db
    .selectFrom('items')
    .leftJoin('members', (j) => j.onRef('members.space_id', '=', 'items.space_id').on('members.user_id', '=', userId))
    .selectAll('items')
    .select('members.role as member_role')
    .where('items.id', '=', id)
    .executeTakeFirst() as Promise<(ItemRow & { member_role: MemberRole | null }) | undefined>;

/** Items put in the trash by their own deletion (tops of trashed subtrees) in a space. */
export const trashTops = (db: Db, spaceId: number) =>
  db
    .selectFrom('items')
    .selectAll()
    .where('space_id', '=', spaceId)
    .whereRef('trash_root', '=', 'id')
    .orderBy('trashed_at', 'desc')
    .orderBy('id')
    .limit(10_000)
    .execute() as Promise<ItemRow[]>;

/** Takes a trashed subtree out of the trash. */
export const untrash = (db: Db, rootId: number) =>
  db.updateTable('items').set({ trashed_at: null, trash_root: null }).where('trash_root', '=', rootId).execute();

/** Blob references held by the versions of a subtree (the root included). */
export async function subtreeBlobRefs(db: Db, id: number): Promise<{ hash: string; n: number }[]> {
  const r = await sql<{ blob_hash: string; n: number }>`
    with recursive down(id) as (
      select id from items where id = ${id}
      union all
      select i.id from items i join down on i.parent_id = down.id
    )
    select v.blob_hash, count(*) as n from versions v join down d on v.item_id = d.id group by v.blob_hash`.execute(db);
  return r.rows.map((x) => ({ hash: x.blob_hash, n: Number(x.n) }));
}

/** Deletes a subtree (the root included) for good; versions go with their items. */
export async function deleteSubtree(db: Db, id: number): Promise<void> {
  await sql`
    with recursive down(id) as (
      select id from items where id = ${id}
      union all
      select i.id from items i join down on i.parent_id = down.id
    )
    delete from items where id in (select id from down)`.execute(db);
}
