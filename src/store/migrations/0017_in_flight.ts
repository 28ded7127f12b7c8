import type { Kysely } from 'kysely';

/*
 * Work in flight shared by every node (uploads from URLs): numbered slots per key, each held
 * by one node until released or until its claim lapses, so a per-user cap holds across nodes
 * and a node that died frees its slots by itself (core/limits/in-flight.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('in_flight')
    .addColumn('key', 'varchar(200)', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('holder', 'varchar(100)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('in_flight_pk', ['key', 'slot'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('in_flight').execute();
}
