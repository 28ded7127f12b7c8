import { sql, type Kysely } from 'kysely';

/* The first schema. Runs unchanged on SQLite and PostgreSQL. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('real_name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('email', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('phone', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('label', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema.createIndex('tokens_user').on('tokens').column('user_id').execute();

  await db.schema
    .createTable('spaces')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('owner_id', 'bigint', (c) => c.notNull().references('users.id'))
    .addColumn('root_id', 'bigint')
    .addColumn('quota_bytes', 'bigint')
    .addColumn('quota_files', 'bigint')
    .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('used_files', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('public_links', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('spaces_owner').on('spaces').column('owner_id').execute();
  // One personal space per user.
  await sql`create unique index spaces_personal on spaces (owner_id) where kind = 'personal'`.execute(db);

  await db.schema
    .createTable('members')
    .addColumn('space_id', 'bigint', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('members_pk', ['space_id', 'user_id'])
    .execute();
  await db.schema.createIndex('members_user').on('members').column('user_id').execute();

  await db.schema
    .createTable('blobs')
    .addColumn('hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('mime', 'varchar(255)', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('refcount', 'bigint', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull().defaultTo('live'))
    .addColumn('touched_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('blobs_unreferenced').on('blobs').columns(['refcount', 'touched_at']).execute();

  await db.schema
    .createTable('items')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('space_id', 'bigint', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('parent_id', 'bigint', (c) => c.references('items.id'))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('kind', 'varchar(8)', (c) => c.notNull())
    .addColumn('system', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('custom_tag', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('properties', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_by', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_by', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('mime', 'varchar(255)')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('blob_hash', 'varchar(64)', (c) => c.references('blobs.hash'))
    .addColumn('download_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint')
    .addColumn('trashed_at', 'bigint')
    .addColumn('trash_root', 'bigint')
    .execute();
  // Names are unique among live siblings; the database enforces it, so racing uploads
  // of one name end with exactly one winner.
  await sql`create unique index items_live_name on items (parent_id, name) where trashed_at is null`.execute(db);
  await db.schema.createIndex('items_parent').on('items').columns(['parent_id', 'kind', 'name']).execute();
  await db.schema.createIndex('items_space_trash').on('items').columns(['space_id', 'trash_root']).execute();
  await db.schema.createIndex('items_blob').on('items').column('blob_hash').execute();

  await db.schema
    .createTable('versions')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('item_id', 'bigint', (c) => c.notNull().references('items.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('blob_hash', 'varchar(64)', (c) => c.notNull().references('blobs.hash'))
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('mime', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_by', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('versions_item_number', ['item_id', 'number'])
    .execute();
  await db.schema.createIndex('versions_blob').on('versions').column('blob_hash').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['versions', 'items', 'blobs', 'members', 'spaces', 'tokens', 'users']) {
    await db.schema.dropTable(t).execute();
  }
}
