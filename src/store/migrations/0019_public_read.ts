import { sql, type Kysely } from 'kysely';

/*
 * Private by default (decisions/0032): being readable by id without a credential becomes a
 * property of each file, `items.public_read` (0/1), set when the file is made; upload
 * sessions carry what their file will be (`upload_sessions.public_read`).
 *
 * Until now every file of a space with public links on was readable by id. Which face made
 * an existing file is not recorded, so this keeps public only what a face whose spec serves
 * files by id can be told to have made, and makes the rest private:
 * - files of `project` spaces (the drive's projects; its `resource` serves them by id);
 * - files in a `Social` system folder at the root of a space (social uploads, profile
 *   pictures, chat-room covers), and files holding a slot pin or a pin policy (only the
 *   social face makes those), wherever they are now;
 * - files at the top of a personal space whose content has the 960 px web copy
 *   (`fitw-960`, made only by a 10Centuries upload: its `cdn_url`).
 * Everything else (native, tus and OneBot uploads; media and small 10Centuries uploads,
 * which cannot be told from native uploads at the top of a personal space) becomes private;
 * an owner switches a file back with `PATCH /api/v1/items/{id}` `{"public": true}`.
 * Open upload sessions into project spaces complete as public files, the others private.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('items').addColumn('public_read', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('upload_sessions').addColumn('public_read', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`
    update items set public_read = 1
    where kind = 'file' and (
      space_id in (select id from spaces where kind = 'project')
      or parent_id in (
        select f.id from items f join spaces s on s.id = f.space_id
        where f.kind = 'folder' and f.system = 1 and f.name = 'Social' and f.parent_id = s.root_id)
      or id in (select item_id from pins where slot = 1)
      or id in (select item_id from pin_policies)
      or (
        parent_id in (select root_id from spaces where kind = 'personal' and root_id is not null)
        and blob_hash in (select source_hash from derivatives where spec = 'fitw-960')))`.execute(db);
  await sql`update upload_sessions set public_read = 1 where space_id in (select id from spaces where kind = 'project')`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('upload_sessions').dropColumn('public_read').execute();
  await db.schema.alterTable('items').dropColumn('public_read').execute();
}
