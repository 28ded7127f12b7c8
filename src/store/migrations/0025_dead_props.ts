import type { Kysely } from 'kysely';

/*
 * Properties clients store on items (WebDAV PROPPATCH, "dead" properties): name
 * (namespace URI and local name) and value as XML, kept with the item (gone when it is
 * purged), carried by moves (same id) and copied with copies.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dead_props')
    .addColumn('item_id', 'bigint', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('ns', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('xml', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dead_props_pk', ['item_id', 'ns', 'name'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dead_props').execute();
}
