import type { Kysely } from 'kysely';

/*
 * The write guard's state (core/guard/, decisions/0038): locks on items, shared by every
 * node (token, item, owner, scope, depth, expiry); read-only tokens (the core refuses every
 * write of their callers); and the conditions a resumable upload was opened with, judged
 * again when it completes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('locks')
    .addColumn('token', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('item_id', 'bigint', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('space_id', 'bigint', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('owner_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('owner_info', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('scope', 'varchar(10)', (c) => c.notNull())
    .addColumn('deep', 'integer', (c) => c.notNull())
    .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('locks_item').on('locks').columns(['item_id', 'expires_at']).execute();
  await db.schema.createIndex('locks_space').on('locks').columns(['space_id', 'expires_at']).execute();
  await db.schema.createIndex('locks_owner').on('locks').columns(['owner_id', 'expires_at']).execute();
  await db.schema.createIndex('locks_expiry').on('locks').column('expires_at').execute();
  await db.schema.alterTable('tokens').addColumn('read_only', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('upload_sessions').addColumn('conditions', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('upload_sessions').dropColumn('conditions').execute();
  await db.schema.alterTable('tokens').dropColumn('read_only').execute();
  await db.schema.dropTable('locks').execute();
}
