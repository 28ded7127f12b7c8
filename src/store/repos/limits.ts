import { sql } from 'kysely';
import type { Db } from '../schema.js';

/** Counts one hit of `key` in the window starting at `windowStart`; returns the new count. */
export async function countHit(db: Db, key: string, windowStart: number): Promise<number> {
  const row = await db
    .insertInto('rate_limits')
    .values({ key, window_start: windowStart, count: 1 })
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql`rate_limits.count + 1` }))
    .returning('count')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Drops windows older than `before`. */
export const pruneHits = (db: Db, before: number) => db.deleteFrom('rate_limits').where('window_start', '<', before).execute();

/** The count of `key` in the window starting at `windowStart` (0 when none). */
export async function hitsOf(db: Db, key: string, windowStart: number): Promise<number> {
  const row = await db.selectFrom('rate_limits').select('count').where('key', '=', key).where('window_start', '=', windowStart).executeTakeFirst();
  return Number(row?.count ?? 0);
}
