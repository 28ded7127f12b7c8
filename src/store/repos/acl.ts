import type { AclRepo, FavoriteRepo, FavoriteRow, FavoriteWithItem } from '../../core/index.js';
import { sql } from 'kysely';
import type { Db } from '../schema.js';
import { down } from './items.js';
import { visible } from './visible.js';

const aclMethods: AclRepo & ThisType<{ readonly db: Db }> = {
  async insert(row) {
    await this.db.insertInto('acl_entries').values(row).execute();
  },

  async insertIfAbsent(row) {
    const r = await this.db
      .insertInto('acl_entries')
      .values(row)
      .onConflict((oc) => oc.columns(['item_id', 'actor_type', 'actor_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  },

  byId(id) {
    return this.db.selectFrom('acl_entries').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async ofItems(itemIds) {
    return (itemIds.length === 0 ? [] : this.db.selectFrom('acl_entries').selectAll().where('item_id', 'in', itemIds).orderBy('created_at').execute());
  },

  async spaceHasAcl(spaceId) {
    return (await this.db.selectFrom('acl_entries').select('id').where('space_id', '=', spaceId).limit(1).executeTakeFirst()) !== undefined;
  },

  async subtreeHasAcl(id) {
    const r = await sql<{ id: number }>`${down(id)} select a.id from acl_entries a join down d on a.item_id = d.id where a.mask <> -1 limit 1`.execute(this.db);
    return r.rows.length > 0;
  },

  async deleteOfSpace(spaceId) {
    await this.db.deleteFrom('acl_entries').where('space_id', '=', spaceId).execute();
  },

  async childrenWithAcl(parentId) {
    return (await this.db.selectFrom('acl_entries').innerJoin('items', 'items.id', 'acl_entries.item_id').select('items.id').distinct().where('items.parent_id', '=', parentId).execute()).map((r) => Number(r.id));
  },

  async filesWithAclIn(parentIds, now) {
    if (parentIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('items')
      .select(['items.id', 'items.parent_id'])
      .where('items.parent_id', 'in', parentIds)
      .where('items.kind', '=', 'file')
      .where(visible({ now }))
      .where((eb) => eb.exists(eb.selectFrom('acl_entries').select('acl_entries.id').whereRef('acl_entries.item_id', '=', 'items.id').where('acl_entries.mask', '<>', -1)))
      .execute();
    return rows.map((r) => ({ id: Number(r.id), parent_id: Number(r.parent_id) }));
  },

  async updateMask(id, mask) {
    await this.db.updateTable('acl_entries').set({ mask }).where('id', '=', id).execute();
  },

  async delete(id) {
    await this.db.deleteFrom('acl_entries').where('id', '=', id).execute();
  },
};

export const aclRepo = (db: Db): AclRepo => Object.assign(Object.create(aclMethods) as AclRepo, { db });

const favoriteMethods: FavoriteRepo & ThisType<{ readonly db: Db }> = {
  async upsert(row) {
    const existing = await this.db.selectFrom('favorites').selectAll().where('user_id', '=', row.user_id).where('item_id', '=', row.item_id).executeTakeFirst();
    if (existing) {
      await this.db.updateTable('favorites').set({ tags: row.tags }).where('id', '=', existing.id).execute();
      return { ...existing, tags: row.tags };
    }
    await this.db.insertInto('favorites').values(row).execute();
    return row;
  },

  of(userId, now, spaceId) {
    let q = this.db
      .selectFrom('favorites')
      .innerJoin('items', 'items.id', 'favorites.item_id')
      .selectAll('favorites')
      .select(['items.name as item_name', 'items.space_id as space_id', 'items.parent_id as parent_id'])
      .where('favorites.user_id', '=', userId)
      .where(visible({ now }));
    if (spaceId !== undefined) q = q.where('items.space_id', '=', spaceId);
    return q.orderBy('favorites.created_at', 'desc').orderBy('favorites.id').execute() as Promise<FavoriteWithItem[]>;
  },

  byId(id) {
    return this.db.selectFrom('favorites').selectAll().where('id', '=', id).executeTakeFirst() as Promise<FavoriteRow | undefined>;
  },

  async delete(id) {
    await this.db.deleteFrom('favorites').where('id', '=', id).execute();
  },
};

export const favoriteRepo = (db: Db): FavoriteRepo => Object.assign(Object.create(favoriteMethods) as FavoriteRepo, { db });
