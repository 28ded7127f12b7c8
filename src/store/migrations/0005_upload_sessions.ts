import type { Kysely } from 'kysely';

/* Sliced (resumable) uploads: one session per user and client key, its pieces in the blob store. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('upload_sessions')
    .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_key', 'varchar(100)', (c) => c.notNull())
    .addColumn('space_id', 'bigint', (c) => c.notNull())
    .addColumn('parent_id', 'bigint')
    .addColumn('item_id', 'bigint')
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('length', 'bigint', (c) => c.notNull())
    .addColumn('reserved', 'bigint', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('result_id', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('upload_sessions_client_key', ['user_id', 'client_key'])
    .execute();
  await db.schema.createIndex('upload_sessions_expiry').on('upload_sessions').column('expires_at').execute();
  await db.schema
    .createTable('upload_pieces')
    .addColumn('session_id', 'varchar(32)', (c) => c.notNull().references('upload_sessions.id').onDelete('cascade'))
    .addColumn('key', 'varchar(36)', (c) => c.notNull())
    .addColumn('start', 'bigint', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('epoch', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('upload_pieces_pk', ['session_id', 'key'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('upload_pieces').execute();
  await db.schema.dropTable('upload_sessions').execute();
}
