import type { Db, VersionsTable } from '../schema.js';

export type VersionRow = VersionsTable;

export const insertVersion = (db: Db, row: VersionRow) => db.insertInto('versions').values(row).execute();

export const versionsOf = (db: Db, itemId: number) =>
  db.selectFrom('versions').selectAll().where('item_id', '=', itemId).orderBy('number', 'desc').execute();

export const versionByNumber = (db: Db, itemId: number, n: number) =>
  db.selectFrom('versions').selectAll().where('item_id', '=', itemId).where('number', '=', n).executeTakeFirst();

/** Versions beyond the newest `keep`, oldest first. */
export const versionsBeyond = (db: Db, itemId: number, keep: number) =>
  db.selectFrom('versions').selectAll().where('item_id', '=', itemId).orderBy('number', 'desc').offset(keep).limit(1_000_000).execute();

export const deleteVersion = (db: Db, id: number) => db.deleteFrom('versions').where('id', '=', id).execute();
