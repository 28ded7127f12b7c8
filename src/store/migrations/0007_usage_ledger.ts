import { sql, type Kysely } from 'kysely';

/*
 * The usage ledger: per space and category (image, audio, video, other), logical bytes of
 * every version and number of files, kept in the same transaction as every write. Items
 * and versions carry their category (the core decides it from the sniffed MIME type; the
 * back-fill below follows the same rule once). Thumbnails are renamed to their recipe.
 */
const category = (column: string) =>
  sql`case when ${sql.ref(column)} like 'image/%' then 'image' when ${sql.ref(column)} like 'audio/%' then 'audio' when ${sql.ref(column)} like 'video/%' then 'video' else 'other' end`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('items').addColumn('category', 'varchar(8)').execute();
  await db.schema.alterTable('versions').addColumn('category', 'varchar(8)', (c) => c.notNull().defaultTo('other')).execute();
  await sql`update items set category = ${category('mime')} where kind = 'file'`.execute(db);
  await sql`update versions set category = ${category('mime')}`.execute(db);
  await db.schema
    .createTable('space_usage')
    .addColumn('space_id', 'bigint', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('category', 'varchar(8)', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('files', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('space_usage_pk', ['space_id', 'category'])
    .execute();
  await sql`
    insert into space_usage (space_id, category, bytes, files)
    select space_id, category, sum(bytes), sum(files) from (
      select i.space_id, v.category, v.size as bytes, 0 as files from versions v join items i on i.id = v.item_id
      union all
      select space_id, category, 0 as bytes, 1 as files from items where kind = 'file'
    ) u group by space_id, category`.execute(db);
  await sql`update derivatives set spec = 'long-256' where spec = 'jpeg-256'`.execute(db);
  await db.schema.createIndex('upload_sessions_space').on('upload_sessions').column('space_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('upload_sessions_space').execute();
  await db.schema.dropTable('space_usage').execute();
  await db.schema.alterTable('versions').dropColumn('category').execute();
  await db.schema.alterTable('items').dropColumn('category').execute();
}
