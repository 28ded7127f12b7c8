import { sql } from 'kysely';
import type { LimitRepo, UploadPieceRow, UploadRepo, UploadSessionRow } from '../../core/index.js';
import type { Db } from '../schema.js';

const deletePieces = async (db: Db, sessionId: string) => {
  await db.deleteFrom('upload_pieces').where('session_id', '=', sessionId).execute();
};

const uploadMethods: UploadRepo & ThisType<{ readonly db: Db }> = {
  byKey(userId, clientKey) {
    return this.db.selectFrom('upload_sessions').selectAll().where('user_id', '=', userId).where('client_key', '=', clientKey).executeTakeFirst() as Promise<UploadSessionRow | undefined>;
  },

  byId(id) {
    return this.db.selectFrom('upload_sessions').selectAll().where('id', '=', id).executeTakeFirst() as Promise<UploadSessionRow | undefined>;
  },

  async insert(row) {
    await this.db.insertInto('upload_sessions').values(row).execute();
  },

  pieces(sessionId) {
    return this.db.selectFrom('upload_pieces').selectAll().where('session_id', '=', sessionId).orderBy('start').orderBy('size', 'desc').orderBy('key').execute() as Promise<UploadPieceRow[]>;
  },

  async insertPiece(row) {
    await this.db.insertInto('upload_pieces').values(row).execute();
  },

  async deletePiece(sessionId, key) {
    await this.db.deleteFrom('upload_pieces').where('session_id', '=', sessionId).where('key', '=', key).execute();
  },

  deletePieces(sessionId) {
    return deletePieces(this.db, sessionId);
  },

  async move(id, from, to) {
    const r = await this.db
      .updateTable('upload_sessions')
      .set(to)
      .where('id', '=', id)
      .where((eb) => eb.or(from.map((f) => (f.updatedBefore === undefined ? eb('state', '=', f.state) : eb.and([eb('state', '=', f.state), eb('updated_at', '<', f.updatedBefore)])))))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async heartbeat(id, assembler, now) {
    const r = await this.db.updateTable('upload_sessions').set({ updated_at: now }).where('id', '=', id).where('state', '=', 'assembling').where('assembler', '=', assembler).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async declareLength(id, length, reservedWas) {
    const r = await this.db
      .updateTable('upload_sessions')
      .set({ length, reserved: length, deferred: 0 })
      .where('id', '=', id)
      .where('deferred', '=', 1)
      .where('state', '=', 'open')
      .where('reserved', '=', reservedWas)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async growReserved(id, from, to) {
    const r = await this.db.updateTable('upload_sessions').set({ reserved: to }).where('id', '=', id).where('deferred', '=', 1).where('state', '=', 'open').where('reserved', '=', from).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async heldBy(userId, now, lock) {
    // An update that changes nothing locks the user's row until the transaction ends (on
    // both databases), so one user's concurrent sessions are counted one after the other.
    if (lock) await this.db.updateTable('users').set({ created_at: sql`created_at` }).where('id', '=', userId).execute();
    const r = await this.db
      .selectFrom('upload_sessions')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('reserved').as('reserved')])
      .where('user_id', '=', userId)
      .where('state', 'in', ['open', 'assembling'])
      .where('expires_at', '>=', now)
      .executeTakeFirstOrThrow();
    return { sessions: Number(r.n), reserved: Number(r.reserved ?? 0) };
  },

  async touch(id, now, expiresAt) {
    await this.db.updateTable('upload_sessions').set({ updated_at: now, expires_at: expiresAt }).where('id', '=', id).where('state', '=', 'open').execute();
  },

  expired(now, limit, spaceId) {
    let q = this.db.selectFrom('upload_sessions').selectAll().where('expires_at', '<', now);
    if (spaceId !== undefined) q = q.where('space_id', '=', spaceId);
    return q.orderBy('expires_at').limit(limit).execute() as Promise<UploadSessionRow[]>;
  },

  async ofSpace(spaceId) {
    return (await this.db.selectFrom('upload_sessions').select('id').where('space_id', '=', spaceId).execute()).map((r) => r.id);
  },

  ofUser(userId) {
    return this.db.selectFrom('upload_sessions').selectAll().where('user_id', '=', userId).execute() as Promise<UploadSessionRow[]>;
  },

  async delete(id) {
    await deletePieces(this.db, id);
    const r = await this.db.deleteFrom('upload_sessions').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  },

  async known(ids) {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('upload_sessions').select('id').where('id', 'in', ids).execute();
    return new Set(rows.map((r) => r.id));
  },

  async openTotals() {
    const r = await this.db
      .selectFrom('upload_sessions')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('reserved').as('reserved')])
      .where('state', 'in', ['open', 'assembling'])
      .executeTakeFirstOrThrow();
    return { sessions: Number(r.n), reserved: Number(r.reserved ?? 0) };
  },
};

export const uploadRepo = (db: Db): UploadRepo => Object.assign(Object.create(uploadMethods) as UploadRepo, { db });

const limitMethods: LimitRepo & ThisType<{ readonly db: Db }> = {
  async hit(key, windowStart) {
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key, window_start: windowStart, count: 1 })
      .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql`rate_limits.count + 1` }))
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  },

  async count(key, windowStart) {
    return Number((await this.db.selectFrom('rate_limits').select('count').where('key', '=', key).where('window_start', '=', windowStart).executeTakeFirst())?.count ?? 0);
  },

  async prune(before) {
    await this.db.deleteFrom('rate_limits').where('window_start', '<', before).execute();
  },
};

export const limitRepo = (db: Db): LimitRepo => Object.assign(Object.create(limitMethods) as LimitRepo, { db });
