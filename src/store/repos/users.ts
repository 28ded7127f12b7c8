import type { Db, UsersTable } from '../schema.js';

export type UserRow = UsersTable;

export const insertUser = (db: Db, row: UserRow) => db.insertInto('users').values(row).execute();

export const userById = (db: Db, id: number) =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

export const userByName = (db: Db, username: string) =>
  db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();

export const listUsers = (db: Db) => db.selectFrom('users').selectAll().orderBy('username').execute();

export const usersByIds = async (db: Db, ids: number[]) =>
  ids.length === 0 ? [] : db.selectFrom('users').selectAll().where('id', 'in', ids).execute();

export async function setPasswordHash(db: Db, id: number, hash: string): Promise<boolean> {
  const r = await db.updateTable('users').set({ password_hash: hash }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteUser(db: Db, id: number): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}
