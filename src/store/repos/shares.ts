import { sql } from 'kysely';
import type { Insertable } from 'kysely';
import type { Db, SharesTable } from '../schema.js';

export interface ShareRow {
  id: number;
  token: string;
  item_id: number;
  created_by: number;
  kind: 'public' | 'private';
  code: string | null;
  created_at: number;
  expires_at: number | null;
  max_downloads: number | null;
  download_count: number;
}

/** A share with what listings and checks need of its item. */
export type ShareWithItem = ShareRow & { item_name: string; item_kind: 'file' | 'folder'; space_id: number; parent_id: number | null; trashed_at: number | null };

export const insertShare = (db: Db, row: Insertable<SharesTable>) => db.insertInto('shares').values(row).execute();

const withItem = (db: Db) =>
  db
    .selectFrom('shares')
    .innerJoin('items', 'items.id', 'shares.item_id')
    .selectAll('shares')
    .select(['items.name as item_name', 'items.kind as item_kind', 'items.space_id as space_id', 'items.parent_id as parent_id', 'items.trashed_at as trashed_at']);

export const shareById = (db: Db, id: number) => withItem(db).where('shares.id', '=', id).executeTakeFirst() as Promise<ShareWithItem | undefined>;

export const shareByToken = (db: Db, token: string) => withItem(db).where('shares.token', '=', token).executeTakeFirst() as Promise<ShareWithItem | undefined>;

/** Shares of live items, in `spaceId` (or in any space), newest first. */
/** Shares of live items in one space, or in `scope` (some spaces, or made by one user). */
export const sharesOfLiveItems = (db: Db, spaceId?: number, scope?: { spaceIds: number[]; creator: number }) => {
  let q = withItem(db).where('items.trashed_at', 'is', null);
  if (spaceId !== undefined) q = q.where('items.space_id', '=', spaceId);
  if (scope) {
    q = q.where((eb) => eb.or([eb('shares.created_by', '=', scope.creator), ...(scope.spaceIds.length ? [eb('items.space_id', 'in', scope.spaceIds)] : [])]));
  }
  return q.orderBy('shares.created_at', 'desc').orderBy('shares.id').limit(100_000).execute() as Promise<ShareWithItem[]>;
};

export const deleteShare = (db: Db, id: number) => db.deleteFrom('shares').where('id', '=', id).execute();

/**
 * Counts one download, atomically, unless the share has reached its download limit.
 * Returns false when it had (the download must then be refused).
 */
export async function countDownload(db: Db, id: number): Promise<boolean> {
  const r = await db
    .updateTable('shares')
    .set({ download_count: sql`download_count + 1` })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('max_downloads', 'is', null), eb('download_count', '<', eb.ref('max_downloads'))]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
