import type { Kysely } from 'kysely';

/*
 * Upload sessions serve the tus protocol too: which protocol made a session (a session is
 * continued only by the protocol that started it), whether its length is still to be
 * declared (tus creation-defer-length: `length` and `reserved` are 0 until then), the
 * client's metadata as sent (answered back on HEAD), what to do on a name clash at
 * completion, and its part in a concatenation ('partial', or 'final' with the keys of
 * its parts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('upload_sessions').addColumn('protocol', 'varchar(8)', (c) => c.notNull().defaultTo('slices')).execute();
  await db.schema.alterTable('upload_sessions').addColumn('deferred', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('upload_sessions').addColumn('meta', 'text').execute();
  await db.schema.alterTable('upload_sessions').addColumn('on_conflict', 'varchar(8)', (c) => c.notNull().defaultTo('rename')).execute();
  await db.schema.alterTable('upload_sessions').addColumn('concat', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['concat', 'on_conflict', 'meta', 'deferred', 'protocol']) await db.schema.alterTable('upload_sessions').dropColumn(c).execute();
}
