import { sql, type Kysely } from 'kysely';

/*
 * The children of a folder that carry an expiry, by expiry: lets a listing learn with one
 * index seek whether any child has expired and is not yet swept (store/repos/visible.ts,
 * `unexpiredIn`). Where none has, SQLite counts and pages leave the expiry term out instead
 * of testing it on every entry (26,660 matching entries: 1.5 ms → 1.0 ms). Partial: only
 * items with an expiry are in it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index items_live_expiring on items (parent_id, expires_at) where expires_at is not null and trashed_at is null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('items_live_expiring').execute();
}
