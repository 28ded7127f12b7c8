import type { AclRepo, FavoriteRepo, FavoriteRow, FavoriteWithItem } from '../../core/index.js';
import type { Db } from '../schema.js';

export const aclRepo = (db: Db): AclRepo => ({
  async insert(row) {
    await db.insertInto('acl_entries').values(row).execute();
  },
  byId: (id) => db.selectFrom('acl_entries').selectAll().where('id', '=', id).executeTakeFirst(),
  ofItems: async (itemIds) => (itemIds.length === 0 ? [] : db.selectFrom('acl_entries').selectAll().where('item_id', 'in', itemIds).orderBy('created_at').execute()),
  spaceHasAcl: async (spaceId) => (await db.selectFrom('acl_entries').select('id').where('space_id', '=', spaceId).limit(1).executeTakeFirst()) !== undefined,
  childrenWithAcl: async (parentId) =>
    (await db.selectFrom('acl_entries').innerJoin('items', 'items.id', 'acl_entries.item_id').select('items.id').distinct().where('items.parent_id', '=', parentId).execute()).map((r) => Number(r.id)),
  async updateMask(id, mask) {
    await db.updateTable('acl_entries').set({ mask }).where('id', '=', id).execute();
  },
  async delete(id) {
    await db.deleteFrom('acl_entries').where('id', '=', id).execute();
  },
});

export const favoriteRepo = (db: Db): FavoriteRepo => ({
  async upsert(row) {
    const existing = await db.selectFrom('favorites').selectAll().where('user_id', '=', row.user_id).where('item_id', '=', row.item_id).executeTakeFirst();
    if (existing) {
      await db.updateTable('favorites').set({ tags: row.tags }).where('id', '=', existing.id).execute();
      return { ...existing, tags: row.tags };
    }
    await db.insertInto('favorites').values(row).execute();
    return row;
  },
  of: (userId, spaceId) => {
    let q = db
      .selectFrom('favorites')
      .innerJoin('items', 'items.id', 'favorites.item_id')
      .selectAll('favorites')
      .select(['items.name as item_name', 'items.space_id as space_id', 'items.parent_id as parent_id'])
      .where('favorites.user_id', '=', userId)
      .where('items.trashed_at', 'is', null);
    if (spaceId !== undefined) q = q.where('items.space_id', '=', spaceId);
    return q.orderBy('favorites.created_at', 'desc').orderBy('favorites.id').execute() as Promise<FavoriteWithItem[]>;
  },
  byId: (id) => db.selectFrom('favorites').selectAll().where('id', '=', id).executeTakeFirst() as Promise<FavoriteRow | undefined>,
  async delete(id) {
    await db.deleteFrom('favorites').where('id', '=', id).execute();
  },
});
