import { sql, type Kysely } from 'kysely';

/* Usernames are unique whatever their case: `u1` and `U1` are one account. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create unique index users_username_lower on users (lower(username))`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_username_lower').execute();
}
