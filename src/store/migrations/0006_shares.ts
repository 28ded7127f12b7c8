import type { Kysely } from 'kysely';

/*
 * Shares: public or private (extraction code) download links to one item. `token` is the
 * unguessable public id (96 random bits as 24 hex digits); shares go with their item when
 * it is purged and with their creator.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('shares')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('token', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('item_id', 'bigint', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('created_by', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('code', 'varchar(16)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('max_downloads', 'bigint')
    .addColumn('download_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('shares_item').on('shares').column('item_id').execute();
  await db.schema.createIndex('shares_creator').on('shares').column('created_by').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('shares').execute();
}
