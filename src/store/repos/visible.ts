import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Presence } from '../../core/index.js';

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
export function visible(p: Presence, table = 'items'): RawBuilder<SqlBool> {
  const col = (c: string) => sql.ref(`${table}.${c}`);
  const trash = p.trash ? sql`` : sql`${col('trashed_at')} is null and `;
  return sql<SqlBool>`${trash}(${col('expires_at')} is null or ${col('expires_at')} > ${p.now}) and (${col('kind')} <> 'file' or ${col('version')} > 0)`;
}
