import { sql, type Kysely } from 'kysely';

/*
 * Flat listings of a folder's live files (the media dialect's `/file/list`, 100,000 files
 * in a personal space root): one index per sort order that pages without sorting, and one
 * on (category, size) that counts a `maintype==image;size=gt=N` filter from the index alone.
 * Partial on live items, so the trash costs them nothing.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index items_live_created on items (parent_id, kind, created_at, id) where trashed_at is null`.execute(db);
  await sql`create index items_live_modified on items (parent_id, kind, modified_at, id) where trashed_at is null`.execute(db);
  await sql`create index items_live_size on items (parent_id, kind, size, id) where trashed_at is null`.execute(db);
  await sql`create index items_live_lname on items (parent_id, kind, lower(name), name, id) where trashed_at is null`.execute(db);
  await sql`create index items_live_category on items (parent_id, kind, category, size) where trashed_at is null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['items_live_category', 'items_live_lname', 'items_live_size', 'items_live_modified', 'items_live_created']) await db.schema.dropIndex(name).execute();
}
