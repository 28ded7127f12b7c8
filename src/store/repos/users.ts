import { sql } from 'kysely';
import type { SecretRepo, TokenRepo, UserRepo, UserRow } from '../../core/index.js';
import type { Db } from '../schema.js';

const userMethods: UserRepo & ThisType<{ readonly db: Db }> = {
  async insert(row) {
    await this.db.insertInto('users').values(row).execute();
  },

  byId(id) {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst() as Promise<UserRow | undefined>;
  },

  byName(username) {
    return this.db.selectFrom('users').selectAll().where(sql`lower(username)`, '=', username.toLowerCase()).executeTakeFirst() as Promise<UserRow | undefined>;
  },

  async byIds(ids) {
    return (ids.length === 0 ? [] : ((await this.db.selectFrom('users').selectAll().where('id', 'in', ids).execute()) as UserRow[]));
  },

  list() {
    return this.db.selectFrom('users').selectAll().orderBy('username').execute() as Promise<UserRow[]>;
  },

  async any() {
    return (await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
  },

  async setPasswordHash(id, hash) {
    const r = await this.db.updateTable('users').set({ password_hash: hash }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async delete(id) {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  },
};

export const userRepo = (db: Db): UserRepo => Object.assign(Object.create(userMethods) as UserRepo, { db });

const TOKEN_INFO = ['id', 'user_id', 'label', 'created_at', 'last_used_at', 'expires_at', 'read_only'] as const;

const tokenMethods: TokenRepo & ThisType<{ readonly db: Db }> = {
  async insert(row) {
    await this.db.insertInto('tokens').values(row).execute();
  },

  withUser(tokenHash) {
    return this.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .select(['tokens.id as token_id', 'tokens.expires_at', 'tokens.last_used_at', 'tokens.read_only', 'users.id as user_id', 'users.role'])
      .where('tokens.token_hash', '=', tokenHash)
      .executeTakeFirst();
  },

  ofUser(userId) {
    return this.db.selectFrom('tokens').select(TOKEN_INFO).where('user_id', '=', userId).orderBy('created_at').execute();
  },

  byId(id) {
    return this.db.selectFrom('tokens').select(TOKEN_INFO).where('id', '=', id).executeTakeFirst();
  },

  async delete(id) {
    const r = await this.db.deleteFrom('tokens').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  },

  async deleteOfUser(userId) {
    const r = await this.db.deleteFrom('tokens').where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  async touch(id, at) {
    await this.db.updateTable('tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  },
};

export const tokenRepo = (db: Db): TokenRepo => Object.assign(Object.create(tokenMethods) as TokenRepo, { db });

const secretMethods: SecretRepo & ThisType<{ readonly db: Db }> = {
  async get(name) {
    const r = await this.db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
    return r?.value;
  },

  async putIfAbsent(name, value, at) {
    await this.db.insertInto('server_secrets').values({ name, value, created_at: at }).onConflict((oc) => oc.column('name').doNothing()).execute();
  },
};

export const secretRepo = (db: Db): SecretRepo => Object.assign(Object.create(secretMethods) as SecretRepo, { db });
