import { sql, type Kysely } from 'kysely';

/*
 * Usernames are unique whatever their case (`u1` and `U1` are one account). Upload
 * sessions record who assembles them (so a live assembler can renew its lease and another
 * node can take over from a dead one) and the content they produced (a slice re-sent
 * after completion is compared with it).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create unique index users_username_lower on users (lower(username))`.execute(db);
  await db.schema.alterTable('upload_sessions').addColumn('assembler', 'varchar(32)').execute();
  await db.schema.alterTable('upload_sessions').addColumn('result_hash', 'varchar(64)').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('upload_sessions').dropColumn('result_hash').execute();
  await db.schema.alterTable('upload_sessions').dropColumn('assembler').execute();
  await db.schema.dropIndex('users_username_lower').execute();
}
