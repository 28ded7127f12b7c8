import { sql } from 'kysely';
import type { Db, MemberRole, MembersTable, SpacesTable } from '../schema.js';

export type SpaceRow = Omit<SpacesTable, 'used_bytes' | 'used_files' | 'public_links'> & {
  used_bytes: number;
  used_files: number;
  public_links: number;
};

export const insertSpace = (db: Db, row: Omit<SpaceRow, 'used_bytes' | 'used_files' | 'public_links'>) =>
  db.insertInto('spaces').values(row).execute();

export const spaceById = (db: Db, id: number) =>
  db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst() as Promise<SpaceRow | undefined>;

export const personalSpaceOf = (db: Db, userId: number) =>
  db.selectFrom('spaces').selectAll().where('owner_id', '=', userId).where('kind', '=', 'personal').executeTakeFirst() as Promise<
    SpaceRow | undefined
  >;

export const setSpaceRoot = (db: Db, spaceId: number, rootId: number) =>
  db.updateTable('spaces').set({ root_id: rootId }).where('id', '=', spaceId).execute();

/** Spaces a user is a member of, with the user's role. */
export const spacesOfUser = (db: Db, userId: number) =>
  db
    .selectFrom('spaces')
    .innerJoin('members', 'members.space_id', 'spaces.id')
    .selectAll('spaces')
    .select('members.role as member_role')
    .where('members.user_id', '=', userId)
    .orderBy('spaces.created_at')
    .execute() as Promise<(SpaceRow & { member_role: MemberRole })[]>;

export const spacesOwnedBy = (db: Db, userId: number) =>
  db.selectFrom('spaces').select(['id', 'kind', 'name']).where('owner_id', '=', userId).execute();

export async function setQuota(db: Db, id: number, bytes: number | null, files: number | null): Promise<boolean> {
  const r = await db.updateTable('spaces').set({ quota_bytes: bytes, quota_files: files }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Adds usage atomically, refusing (false) when a quota would be exceeded. One conditional
 * UPDATE, so parallel uploads can never overshoot: the database serialises the row.
 */
export async function reserveUsage(db: Db, spaceId: number, bytes: number, files: number): Promise<boolean> {
  const r = await db
    .updateTable('spaces')
    .set({ used_bytes: sql`used_bytes + ${bytes}`, used_files: sql`used_files + ${files}` })
    .where('id', '=', spaceId)
    .where((eb) =>
      eb.and([
        eb.or([eb('quota_bytes', 'is', null), eb(sql`used_bytes + ${bytes}`, '<=', eb.ref('quota_bytes'))]),
        eb.or([eb('quota_files', 'is', null), eb(sql`used_files + ${files}`, '<=', eb.ref('quota_files'))]),
      ]),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Gives usage back (purge, version pruning). Never checks a quota. */
export const releaseUsage = (db: Db, spaceId: number, bytes: number, files: number) =>
  db
    .updateTable('spaces')
    .set({ used_bytes: sql`used_bytes - ${bytes}`, used_files: sql`used_files - ${files}` })
    .where('id', '=', spaceId)
    .execute();

export const deleteSpace = (db: Db, id: number) => db.deleteFrom('spaces').where('id', '=', id).execute();

// ---- members ----

export type MemberRow = MembersTable;

export const memberRole = async (db: Db, spaceId: number, userId: number): Promise<MemberRole | undefined> =>
  (await db.selectFrom('members').select('role').where('space_id', '=', spaceId).where('user_id', '=', userId).executeTakeFirst())?.role;

export const membersOf = (db: Db, spaceId: number) =>
  db
    .selectFrom('members')
    .innerJoin('users', 'users.id', 'members.user_id')
    .select(['members.user_id', 'members.role', 'members.created_at', 'users.username', 'users.real_name'])
    .where('members.space_id', '=', spaceId)
    .orderBy('members.created_at')
    .execute();

export const upsertMember = async (db: Db, row: MemberRow) => {
  const r = await db
    .updateTable('members')
    .set({ role: row.role })
    .where('space_id', '=', row.space_id)
    .where('user_id', '=', row.user_id)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) await db.insertInto('members').values(row).execute();
};

export async function deleteMember(db: Db, spaceId: number, userId: number): Promise<boolean> {
  const r = await db.deleteFrom('members').where('space_id', '=', spaceId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
