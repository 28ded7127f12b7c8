import type { Db, UploadPiecesTable, UploadSessionsTable, UploadState } from '../schema.js';

export type UploadSessionRow = UploadSessionsTable;
export type UploadPieceRow = UploadPiecesTable;

export const sessionByKey = (db: Db, userId: number, clientKey: string) =>
  db.selectFrom('upload_sessions').selectAll().where('user_id', '=', userId).where('client_key', '=', clientKey).executeTakeFirst();

export const sessionById = (db: Db, id: string) => db.selectFrom('upload_sessions').selectAll().where('id', '=', id).executeTakeFirst();

export const insertSession = (db: Db, row: UploadSessionRow) => db.insertInto('upload_sessions').values(row).execute();

/** Pieces of a session in byte order. */
export const piecesOf = (db: Db, sessionId: string) =>
  db.selectFrom('upload_pieces').selectAll().where('session_id', '=', sessionId).orderBy('start').orderBy('size', 'desc').orderBy('key').execute();

export const insertPiece = (db: Db, row: UploadPieceRow) => db.insertInto('upload_pieces').values(row).execute();

export const deletePieceRow = (db: Db, sessionId: string, key: string) => db.deleteFrom('upload_pieces').where('session_id', '=', sessionId).where('key', '=', key).execute();

export const deletePieceRows = (db: Db, sessionId: string) => db.deleteFrom('upload_pieces').where('session_id', '=', sessionId).execute();

/** Moves a session from one of `from` to `to`; true if this call did it (the others lost the race). */
export async function moveSession(db: Db, id: string, from: { state: UploadState; updatedBefore?: number }[], to: Partial<UploadSessionRow>): Promise<boolean> {
  const r = await db
    .updateTable('upload_sessions')
    .set(to)
    .where('id', '=', id)
    .where((eb) => eb.or(from.map((f) => (f.updatedBefore === undefined ? eb('state', '=', f.state) : eb.and([eb('state', '=', f.state), eb('updated_at', '<', f.updatedBefore)])))))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export const touchSession = (db: Db, id: string, now: number, expiresAt: number) =>
  db.updateTable('upload_sessions').set({ updated_at: now, expires_at: expiresAt }).where('id', '=', id).where('state', '=', 'open').executeTakeFirst();

/** Sessions whose time is up (a few at a time). */
export const expiredSessions = (db: Db, now: number, limit: number) =>
  db.selectFrom('upload_sessions').selectAll().where('expires_at', '<', now).orderBy('expires_at').limit(limit).execute();

/** Deletes a session (its piece rows go with it); true if this call did it. */
export async function deleteSession(db: Db, id: string): Promise<boolean> {
  await deletePieceRows(db, id);
  const r = await db.deleteFrom('upload_sessions').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/** Which of `ids` are sessions that still exist. */
export async function knownSessions(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('upload_sessions').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}
