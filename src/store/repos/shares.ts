import { sql } from 'kysely';
import type { ShareRepo, ShareWithItem } from '../../core/index.js';
import type { Db } from '../schema.js';
import { visible } from './visible.js';

const withItem = (db: Db) =>
  db
    .selectFrom('shares')
    .innerJoin('items', 'items.id', 'shares.item_id')
    .selectAll('shares')
    .select(['items.name as item_name', 'items.kind as item_kind', 'items.space_id as space_id', 'items.parent_id as parent_id', 'items.trashed_at as trashed_at', 'items.version as item_version', 'items.expires_at as item_expires_at']);

const shareMethods: ShareRepo & ThisType<{ readonly db: Db }> = {
  async insert(row) {
    await this.db.insertInto('shares').values(row).execute();
  },

  byId(id) {
    return withItem(this.db).where('shares.id', '=', id).executeTakeFirst() as Promise<ShareWithItem | undefined>;
  },

  byToken(token) {
    return withItem(this.db).where('shares.token', '=', token).executeTakeFirst() as Promise<ShareWithItem | undefined>;
  },

  ofLiveItems(now, spaceId, scope) {
    let q = withItem(this.db).where(visible({ now }));
    if (spaceId !== undefined) q = q.where('items.space_id', '=', spaceId);
    if (scope) q = q.where((eb) => eb.or([eb('shares.created_by', '=', scope.creator), ...(scope.spaceIds.length ? [eb('items.space_id', 'in', scope.spaceIds)] : [])]));
    return q.orderBy('shares.created_at', 'desc').orderBy('shares.id').limit(100_000).execute() as Promise<ShareWithItem[]>;
  },

  async delete(id) {
    await this.db.deleteFrom('shares').where('id', '=', id).execute();
  },

  async countDownload(id) {
    const r = await this.db
      .updateTable('shares')
      .set({ download_count: sql`download_count + 1` })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('max_downloads', 'is', null), eb('download_count', '<', eb.ref('max_downloads'))]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
};

export const shareRepo = (db: Db): ShareRepo => Object.assign(Object.create(shareMethods) as ShareRepo, { db });
