import { sql } from 'kysely';
import { CATEGORIES, type Category } from '../../core/index.js';
import type { UsageByCategory, UsageRepo } from '../../core/index.js';
import type { Db } from '../schema.js';

const empty = (): UsageByCategory => ({ image: { bytes: 0, files: 0 }, audio: { bytes: 0, files: 0 }, video: { bytes: 0, files: 0 }, other: { bytes: 0, files: 0 } });

function byCategory(rows: { category: string; bytes: number | null; files: number | null }[]): UsageByCategory {
  const out = empty();
  for (const r of rows) {
    const c = (CATEGORIES as readonly string[]).includes(r.category) ? (r.category as Category) : 'other';
    out[c].bytes += Number(r.bytes ?? 0);
    out[c].files += Number(r.files ?? 0);
  }
  return out;
}

const usageMethods: UsageRepo & ThisType<{ readonly db: Db }> = {
  /**
   * One conditional UPDATE of the space's totals (the database serialises the row, so
   * parallel writes never overshoot a quota), then the category counters. Stored and
   * reserved amounts are kept apart and checked together. A dimension that does not grow
   * is never refused, so a space over its quota can still shrink.
   */
  async apply(spaceId, change, checkQuota) {
    const held = change.reserved ?? 0;
    const heldFiles = change.reservedFiles ?? 0;
    let bytes = 0;
    let files = 0;
    for (const c of Object.values(change.categories)) {
      bytes += c.bytes;
      files += c.files;
    }
    let q = this.db
      .updateTable('spaces')
      .set({
        used_bytes: sql`used_bytes + ${bytes}`,
        used_files: sql`used_files + ${files}`,
        reserved_bytes: sql`reserved_bytes + ${held}`,
        reserved_files: sql`reserved_files + ${heldFiles}`,
      })
      .where('id', '=', spaceId);
    const growth = bytes + held;
    const fileGrowth = files + heldFiles;
    if (checkQuota && growth > 0) q = q.where((eb) => eb.or([eb('quota_bytes', 'is', null), eb(sql`used_bytes + reserved_bytes + ${growth}`, '<=', eb.ref('quota_bytes'))]));
    if (checkQuota && fileGrowth > 0) q = q.where((eb) => eb.or([eb('quota_files', 'is', null), eb(sql`used_files + reserved_files + ${fileGrowth}`, '<=', eb.ref('quota_files'))]));
    const r = await q.executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    // A fixed order, so concurrent transactions take the rows in the same order.
    for (const category of CATEGORIES) {
      const c = change.categories[category];
      if (!c || (c.bytes === 0 && c.files === 0)) continue;
      await this.db
        .insertInto('space_usage')
        .values({ space_id: spaceId, category, bytes: c.bytes, files: c.files })
        .onConflict((oc) => oc.columns(['space_id', 'category']).doUpdateSet({ bytes: sql`space_usage.bytes + ${c.bytes}`, files: sql`space_usage.files + ${c.files}` }))
        .execute();
    }
    return true;
  },

  async ofSpace(spaceId) {
    return byCategory(await this.db.selectFrom('space_usage').select(['category', 'bytes', 'files']).where('space_id', '=', spaceId).execute());
  },

  async all() {
    return byCategory(
      await this.db
        .selectFrom('space_usage')
        .select((eb) => ['category', eb.fn.sum<number>('bytes').as('bytes'), eb.fn.sum<number>('files').as('files')])
        .groupBy('category')
        .execute(),
    );
  },

  async recount(spaceId) {
    const r = await sql<{ category: string; bytes: number; files: number }>`
      select category, sum(bytes) as bytes, sum(files) as files from (
        select v.category, v.size as bytes, 0 as files from versions v join items i on i.id = v.item_id where i.space_id = ${spaceId}
        union all
        select category, 0 as bytes, 1 as files from items where space_id = ${spaceId} and kind = 'file'
      ) u group by category`.execute(this.db);
    return byCategory(r.rows);
  },

  async reservedBy(spaceId) {
    const r = await this.db
      .selectFrom('upload_sessions')
      .select((eb) => [eb.fn.sum<number>('reserved').as('bytes'), eb.fn.sum<number>('reserved_files').as('files')])
      .where('space_id', '=', spaceId)
      .executeTakeFirst();
    return { bytes: Number(r?.bytes ?? 0), files: Number(r?.files ?? 0) };
  },

  async spaceIds(after, limit) {
    return (await this.db.selectFrom('spaces').select('id').where('id', '>', after).orderBy('id').limit(limit).execute()).map((r) => Number(r.id));
  },
};

export const usageRepo = (db: Db): UsageRepo => Object.assign(Object.create(usageMethods) as UsageRepo, { db });
