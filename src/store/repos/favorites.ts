import type { Db, FavoritesTable } from '../schema.js';

export type FavoriteRow = FavoritesTable;

/** Inserts or, when the user already has the item, replaces its tags. Returns the row. */
export async function upsertFavorite(db: Db, row: FavoriteRow): Promise<FavoriteRow> {
  const existing = await db.selectFrom('favorites').selectAll().where('user_id', '=', row.user_id).where('item_id', '=', row.item_id).executeTakeFirst();
  if (existing) {
    await db.updateTable('favorites').set({ tags: row.tags }).where('id', '=', existing.id).execute();
    return { ...existing, tags: row.tags };
  }
  await db.insertInto('favorites').values(row).execute();
  return row;
}

/** A user's favourites whose items are live and in `spaceId` (or in any space). */
export const favoritesOf = (db: Db, userId: number, spaceId?: number) => {
  let q = db
    .selectFrom('favorites')
    .innerJoin('items', 'items.id', 'favorites.item_id')
    .selectAll('favorites')
    .select(['items.name as item_name', 'items.space_id as space_id', 'items.parent_id as parent_id'])
    .where('favorites.user_id', '=', userId)
    .where('items.trashed_at', 'is', null);
  if (spaceId !== undefined) q = q.where('items.space_id', '=', spaceId);
  return q.orderBy('favorites.created_at', 'desc').orderBy('favorites.id').execute();
};

export const favoriteById = (db: Db, id: number) => db.selectFrom('favorites').selectAll().where('id', '=', id).executeTakeFirst();

export const deleteFavorite = (db: Db, id: number) => db.deleteFrom('favorites').where('id', '=', id).execute();
