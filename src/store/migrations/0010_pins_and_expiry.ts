import { sql, type Kysely } from 'kysely';

/*
 * Expiry and pins.
 * - `items_expiry`: the items with an `expires_at`, in expiry order, so the sweep that
 *   purges expired items (part of every GC run) finds them without scanning the table.
 * - `pins`: (item, reference string, owner) — something refers to the file and keeps it.
 *   `slot` pins (1) are the files of named places (an avatar, a chat-room cover): their
 *   reference is unique, so a slot holds one file.
 * - `pin_policies`: items that expire `ttl_ms` after they stop being pinned (social's
 *   generic uploads); pinning such an item clears its `expires_at`, unpinning its last pin
 *   sets it again.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index items_expiry on items (expires_at) where expires_at is not null`.execute(db);
  await db.schema
    .createTable('pins')
    .addColumn('item_id', 'bigint', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('owner_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('slot', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pins_pk', ['item_id', 'owner_id', 'ref'])
    .execute();
  await db.schema.createIndex('pins_owner_ref').on('pins').columns(['owner_id', 'ref']).execute();
  await sql`create unique index pins_slot on pins (ref) where slot = 1`.execute(db);
  await db.schema
    .createTable('pin_policies')
    .addColumn('item_id', 'bigint', (c) => c.primaryKey().references('items.id').onDelete('cascade'))
    .addColumn('ttl_ms', 'bigint', (c) => c.notNull())
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pin_policies').execute();
  await db.schema.dropTable('pins').execute();
  await db.schema.dropIndex('items_expiry').execute();
}
