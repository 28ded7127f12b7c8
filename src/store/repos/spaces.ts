import { sql } from 'kysely';
import type { MemberRole, SpaceRepo, SpaceRow } from '../../core/index.js';
import type { Db } from '../schema.js';

const spaceMethods: SpaceRepo & ThisType<{ readonly db: Db }> = {
  async insert(row) {
    await this.db.insertInto('spaces').values(row).execute();
  },

  byId(id) {
    return this.db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst() as Promise<SpaceRow | undefined>;
  },

  personalOf(userId) {
    return this.db.selectFrom('spaces').selectAll().where('owner_id', '=', userId).where('kind', '=', 'personal').executeTakeFirst() as Promise<SpaceRow | undefined>;
  },

  async setRoot(spaceId, rootId) {
    await this.db.updateTable('spaces').set({ root_id: rootId }).where('id', '=', spaceId).execute();
  },

  ofUser(userId) {
    return this.db
      .selectFrom('spaces')
      .innerJoin('members', 'members.space_id', 'spaces.id')
      .selectAll('spaces')
      .select('members.role as member_role')
      .where('members.user_id', '=', userId)
      .orderBy('spaces.created_at')
      .execute() as Promise<(SpaceRow & { member_role: MemberRole })[]>;
  },

  ownedBy(userId) {
    return this.db.selectFrom('spaces').select(['id', 'kind', 'name']).where('owner_id', '=', userId).execute();
  },

  all() {
    return this.db.selectFrom('spaces').selectAll().orderBy('created_at').orderBy('id').execute() as Promise<SpaceRow[]>;
  },

  named(name) {
    return this.db.selectFrom('spaces').selectAll().where('name', '=', name).orderBy('created_at').execute() as Promise<SpaceRow[]>;
  },

  async setOwner(id, ownerId) {
    const r = await this.db.updateTable('spaces').set({ owner_id: ownerId }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async setQuota(id, bytes, files) {
    const r = await this.db.updateTable('spaces').set({ quota_bytes: bytes, quota_files: files }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async setPublicLinks(id, on) {
    const r = await this.db.updateTable('spaces').set({ public_links: on ? 1 : 0 }).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async blobRefs(spaceId) {
    const r = await sql<{ blob_hash: string; n: number }>`
      select v.blob_hash, count(*) as n from versions v join items i on i.id = v.item_id
      where i.space_id = ${spaceId} group by v.blob_hash`.execute(this.db);
    return r.rows.map((x) => ({ hash: x.blob_hash, n: Number(x.n) }));
  },

  async deleteWithItems(spaceId) {
    await this.db.updateTable('spaces').set({ root_id: null }).where('id', '=', spaceId).execute();
    await this.db.deleteFrom('items').where('space_id', '=', spaceId).execute();
    await this.db.deleteFrom('spaces').where('id', '=', spaceId).execute();
  },


  async memberRole(spaceId, userId) {
    return (await this.db.selectFrom('members').select('role').where('space_id', '=', spaceId).where('user_id', '=', userId).executeTakeFirst())?.role;
  },

  members(spaceId) {
    return this.db
      .selectFrom('members')
      .innerJoin('users', 'users.id', 'members.user_id')
      .select(['members.user_id', 'members.role', 'members.created_at', 'users.username', 'users.real_name'])
      .where('members.space_id', '=', spaceId)
      .orderBy('members.created_at')
      .execute();
  },

  async upsertMember(row) {
    const r = await this.db.updateTable('members').set({ role: row.role }).where('space_id', '=', row.space_id).where('user_id', '=', row.user_id).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) await this.db.insertInto('members').values(row).execute();
  },

  async deleteMember(spaceId, userId) {
    const r = await this.db.deleteFrom('members').where('space_id', '=', spaceId).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  },

  async memberOfAny(userId, spaceIds) {
    if (spaceIds.length === 0) return new Set();
    const rows = await this.db.selectFrom('members').select('space_id').where('user_id', '=', userId).where('space_id', 'in', spaceIds).execute();
    return new Set(rows.map((r) => Number(r.space_id)));
  },
};

export const spaceRepo = (db: Db): SpaceRepo => Object.assign(Object.create(spaceMethods) as SpaceRepo, { db });
