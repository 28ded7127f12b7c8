import { sql, type Kysely } from 'kysely';

/*
 * Reservations apart from what is stored: a space's `used_bytes`/`used_files` count its
 * files only, `reserved_bytes`/`reserved_files` what its open upload sessions hold (the
 * quota is checked against both together). Until now the reservations were folded into
 * `used_bytes`: they move out. A session reserving a file slot (a new file, so a full file
 * quota refuses it at creation) says so in `reserved_files`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('spaces').addColumn('reserved_bytes', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('spaces').addColumn('reserved_files', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('upload_sessions').addColumn('reserved_files', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  const held = sql`coalesce((select sum(s.reserved) from upload_sessions s where s.space_id = spaces.id), 0)`;
  await sql`update spaces set used_bytes = used_bytes - ${held}, reserved_bytes = ${held}`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`update spaces set used_bytes = used_bytes + reserved_bytes`.execute(db);
  await db.schema.alterTable('upload_sessions').dropColumn('reserved_files').execute();
  await db.schema.alterTable('spaces').dropColumn('reserved_files').execute();
  await db.schema.alterTable('spaces').dropColumn('reserved_bytes').execute();
}
