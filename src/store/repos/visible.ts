import { SqliteAdapter, sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Presence } from '../../core/index.js';
import type { Schema } from '../schema.js';

/**
 * The existence rule (core/items/visibility.ts) as a condition on the `items` table, for
 * every query that lists items to a reader (children, searches, counts, the trash, shares,
 * favourites, pins): not trashed (unless `trash`), not expired at `now`, not pending (a
 * file without a version). Columns are named `items.…` (or `table.…`), so it works in joins and on aliases too. Its
 * terms are ANDed at the top level, so the listing indexes (partial on `trashed_at is
 * null`) still apply; `items_live_category` carries `expires_at` and leaves pending files
 * out by its own WHERE, which repeats the pending term below word for word (the planners
 * match it as written; test/core/listing-plans.test.ts), so counts stay index-only
 * (migrations 0018, 0023).
 */
export function visible(p: Presence & { noneExpired?: boolean }, table = 'items'): RawBuilder<SqlBool> {
  const col = (c: string) => sql.ref(`${table}.${c}`);
  const trash = p.trash ? sql`` : sql`${col('trashed_at')} is null and `;
  const expiry = p.noneExpired ? sql`` : sql`(${col('expires_at')} is null or ${col('expires_at')} > ${p.now}) and `;
  return sql<SqlBool>`${trash}${expiry}(${col('kind')} <> 'file' or ${col('version')} > 0)`;
}

/**
 * `p`, marked `noneExpired` when no live child of `parentId` has expired by `p.now`: then
 * the expiry term is true for every child and `visible` leaves it out, so a count or page
 * over tens of thousands of children does not test it on each entry. Learnt on SQLite only,
 * with one seek in `items_live_expiring` (migration 0024) in the same process; on
 * PostgreSQL the question would cost a round trip of its own, so the term stays.
 */
export async function unexpiredIn<P extends Presence>(db: Kysely<Schema>, parentId: number, p: P): Promise<P & { noneExpired?: boolean }> {
  if (p.trash || !(db.getExecutor().adapter instanceof SqliteAdapter)) return p;
  const expired = await db
    .selectFrom('items')
    .select('id')
    .where('parent_id', '=', parentId)
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', p.now)
    .where('trashed_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return expired ? p : { ...p, noneExpired: true };
}
