import type { Kysely } from 'kysely';

/* Access entries on items (docs/architecture.md, "Rights"). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('acl_entries')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('space_id', 'bigint', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('item_id', 'bigint', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('actor_type', 'integer', (c) => c.notNull())
    .addColumn('actor_id', 'bigint', (c) => c.notNull())
    .addColumn('mask', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('acl_item_actor', ['item_id', 'actor_type', 'actor_id'])
    .execute();
  await db.schema.createIndex('acl_space').on('acl_entries').column('space_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('acl_entries').execute();
}
