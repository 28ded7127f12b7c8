import type { Db, TokensTable } from '../schema.js';

export type TokenRow = TokensTable;

export const insertToken = (db: Db, row: TokenRow) => db.insertInto('tokens').values(row).execute();

/** The token with this hash together with its user, or undefined. */
export const tokenWithUser = (db: Db, tokenHash: string) =>
  db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select(['tokens.id as token_id', 'tokens.expires_at', 'tokens.last_used_at', 'users.id as user_id', 'users.role'])
    .where('tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();

export const tokensOfUser = (db: Db, userId: number) =>
  db
    .selectFrom('tokens')
    .select(['id', 'user_id', 'label', 'created_at', 'last_used_at', 'expires_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();

export const tokenById = (db: Db, id: number) =>
  db.selectFrom('tokens').select(['id', 'user_id', 'label', 'created_at', 'last_used_at', 'expires_at']).where('id', '=', id).executeTakeFirst();

export async function deleteToken(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('tokens').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export const touchToken = (db: Db, id: number, at: number) =>
  db.updateTable('tokens').set({ last_used_at: at }).where('id', '=', id).execute();
