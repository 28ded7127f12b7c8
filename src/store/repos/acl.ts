import type { AclTable, Db } from '../schema.js';

export type AclRow = AclTable;

export const insertAcl = (db: Db, row: AclRow) => db.insertInto('acl_entries').values(row).execute();

export const aclById = (db: Db, id: number) => db.selectFrom('acl_entries').selectAll().where('id', '=', id).executeTakeFirst();

export const aclOfItems = async (db: Db, itemIds: number[]) =>
  itemIds.length === 0 ? [] : db.selectFrom('acl_entries').selectAll().where('item_id', 'in', itemIds).orderBy('created_at').execute();

export async function spaceHasAcl(db: Db, spaceId: number): Promise<boolean> {
  return (await db.selectFrom('acl_entries').select('id').where('space_id', '=', spaceId).limit(1).executeTakeFirst()) !== undefined;
}

/** Ids of items among a folder's children that carry entries of their own. */
export const childrenWithAcl = (db: Db, parentId: number) =>
  db
    .selectFrom('acl_entries')
    .innerJoin('items', 'items.id', 'acl_entries.item_id')
    .select('items.id')
    .distinct()
    .where('items.parent_id', '=', parentId)
    .execute();

export const updateAclMask = (db: Db, id: number, mask: number) => db.updateTable('acl_entries').set({ mask }).where('id', '=', id).execute();

export const deleteAcl = (db: Db, id: number) => db.deleteFrom('acl_entries').where('id', '=', id).execute();

/** The group spaces (ids) among `spaceIds` that `userId` is a member of. */
export async function memberOfAny(db: Db, userId: number, spaceIds: number[]): Promise<Set<number>> {
  if (spaceIds.length === 0) return new Set();
  const rows = await db.selectFrom('members').select('space_id').where('user_id', '=', userId).where('space_id', 'in', spaceIds).execute();
  return new Set(rows.map((r) => Number(r.space_id)));
}
