import { sql, type Kysely } from 'kysely';
import type { Db, MemberRole, Schema, SpaceKind } from '../../store/schema.js';
import { releaseBlob } from '../../store/repos/blobs.js';
import { insertFolder } from '../../store/repos/items.js';
import {
  deleteMember,
  deleteSpace,
  insertSpace,
  memberRole,
  membersOf,
  setQuota,
  setSpaceRoot,
  spaceById,
  spacesOfUser,
  upsertMember,
  type SpaceRow,
} from '../../store/repos/spaces.js';
import { userById } from '../../store/repos/users.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { newId } from '../ids.js';
import { checkName } from '../names.js';
import { canManageSpace } from '../rights.js';

export const SPACE_KINDS: readonly SpaceKind[] = ['personal', 'group', 'project', 'chat_room'];
export const MEMBER_ROLES: readonly MemberRole[] = ['owner', 'admin', 'member', 'viewer'];

export interface Space {
  id: number;
  kind: SpaceKind;
  name: string;
  ownerId: number;
  rootId: number;
  quota: { bytes: number | null; files: number | null };
  usage: { bytes: number; files: number };
  publicLinks: boolean;
  createdAt: number;
  /** The caller's role, when listed for a caller. */
  role?: MemberRole;
}

export interface Member {
  userId: number;
  username: string;
  realName: string;
  role: MemberRole;
  since: number;
}

export const toSpace = (r: SpaceRow, role?: MemberRole): Space => ({
  id: Number(r.id),
  kind: r.kind,
  name: r.name,
  ownerId: Number(r.owner_id),
  rootId: Number(r.root_id),
  quota: { bytes: r.quota_bytes === null ? null : Number(r.quota_bytes), files: r.quota_files === null ? null : Number(r.quota_files) },
  usage: { bytes: Number(r.used_bytes), files: Number(r.used_files) },
  publicLinks: Number(r.public_links) === 1,
  createdAt: Number(r.created_at),
  ...(role ? { role } : {}),
});

/** Creates a space with its root folder and its owner as member, inside `trx`. */
export async function createSpaceTx(trx: Db, s: { kind: SpaceKind; name: string; ownerId: number }, now: number): Promise<number> {
  const id = newId();
  const rootId = newId();
  await insertSpace(trx, { id, kind: s.kind, name: s.name, owner_id: s.ownerId, root_id: null, quota_bytes: null, quota_files: null, created_at: now });
  await insertFolder(trx, { id: rootId, spaceId: id, parentId: null, name: s.name, by: s.ownerId, at: now });
  await setSpaceRoot(trx, id, rootId);
  await upsertMember(trx, { space_id: id, user_id: s.ownerId, role: 'owner', created_at: now });
  return id;
}

function checkQuotaValue(v: unknown, field: string): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badRequest(`${field} must be a whole number ≥ 0 or null`, { field });
  return v;
}

export class SpaceService {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly now: () => number,
  ) {}

  async create(actor: Actor, input: { kind: unknown; name: unknown; ownerId?: number }): Promise<Space> {
    const kind = input.kind as SpaceKind;
    if (!SPACE_KINDS.includes(kind) || kind === 'personal') {
      throw badRequest('kind must be group, project or chat_room (personal spaces come with their user)', { field: 'kind' });
    }
    const name = checkName(input.name);
    const ownerId = input.ownerId ?? actor.userId;
    if (ownerId !== actor.userId && actor.role !== 'admin') throw new KuraError('forbidden', 'only an admin may create a space for someone else');
    if (!(await userById(this.db, ownerId))) throw new KuraError('not_found', 'owner not found');
    const id = await this.db.transaction().execute((trx) => createSpaceTx(trx, { kind, name, ownerId }, this.now()));
    return this.get(actor, id);
  }

  /** The caller's role in a space; not_found when the caller is neither member nor admin. */
  async roleOf(actor: Actor, spaceId: number): Promise<MemberRole | undefined> {
    const role = await memberRole(this.db, spaceId, actor.userId);
    if (!role && actor.role !== 'admin') throw new KuraError('not_found', 'space not found');
    return role;
  }

  async get(actor: Actor, id: number): Promise<Space> {
    const row = await spaceById(this.db, id);
    if (!row) throw new KuraError('not_found', 'space not found');
    const role = await this.roleOf(actor, id);
    return toSpace(row, role);
  }

  async listMine(actor: Actor): Promise<Space[]> {
    return (await spacesOfUser(this.db, actor.userId)).map((r) => toSpace(r, r.member_role));
  }

  async members(actor: Actor, spaceId: number): Promise<Member[]> {
    await this.get(actor, spaceId);
    return (await membersOf(this.db, spaceId)).map((m) => ({
      userId: Number(m.user_id),
      username: m.username,
      realName: m.real_name,
      role: m.role,
      since: Number(m.created_at),
    }));
  }

  private async requireManager(actor: Actor, spaceId: number): Promise<SpaceRow> {
    const space = await spaceById(this.db, spaceId);
    if (!space) throw new KuraError('not_found', 'space not found');
    const role = await this.roleOf(actor, spaceId);
    if (actor.role !== 'admin' && !canManageSpace(role)) throw new KuraError('forbidden', 'only owners and admins of a space manage its members');
    return space;
  }

  /** Adds a member or changes a member's role. The owner's own role cannot change. */
  async setMember(actor: Actor, spaceId: number, userId: number, role: unknown): Promise<Member[]> {
    if (!MEMBER_ROLES.includes(role as MemberRole)) throw badRequest('role must be owner, admin, member or viewer', { field: 'role' });
    const space = await this.requireManager(actor, spaceId);
    if (space.kind === 'personal') throw badRequest('a personal space has no other members');
    if (!(await userById(this.db, userId))) throw new KuraError('not_found', 'user not found');
    if (Number(space.owner_id) === userId && role !== 'owner') throw new KuraError('conflict', "the space owner's role cannot change");
    if (role === 'owner' && Number(space.owner_id) !== userId) throw badRequest('a space has one owner; give others the admin role');
    await upsertMember(this.db, { space_id: spaceId, user_id: userId, role: role as MemberRole, created_at: this.now() });
    return this.members(actor, spaceId);
  }

  async removeMember(actor: Actor, spaceId: number, userId: number): Promise<void> {
    const space = await this.requireManager(actor, spaceId);
    if (Number(space.owner_id) === userId) throw new KuraError('conflict', 'the space owner cannot be removed');
    if (!(await deleteMember(this.db, spaceId, userId))) throw new KuraError('not_found', 'member not found');
  }

  /** Sets a space's quota (Kura admins only); null means unlimited. */
  async setQuota(actor: Actor, spaceId: number, q: { bytes?: unknown; files?: unknown }): Promise<Space> {
    if (actor.role !== 'admin') throw new KuraError('forbidden', 'only Kura admins set quotas');
    const bytes = checkQuotaValue(q.bytes, 'bytes');
    const files = checkQuotaValue(q.files, 'files');
    if (!(await setQuota(this.db, spaceId, bytes, files))) throw new KuraError('not_found', 'space not found');
    return this.get(actor, spaceId);
  }

  /** Deletes a space and everything in it; blobs lose their references (GC collects them). */
  async remove(spaceId: number): Promise<void> {
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      const refs = await sql<{ blob_hash: string; n: number }>`
        select v.blob_hash, count(*) as n from versions v join items i on i.id = v.item_id
        where i.space_id = ${spaceId} group by v.blob_hash`.execute(trx);
      for (const r of refs.rows) await releaseBlob(trx, r.blob_hash, Number(r.n), now);
      await trx.updateTable('spaces').set({ root_id: null }).where('id', '=', spaceId).execute();
      await trx.deleteFrom('items').where('space_id', '=', spaceId).execute();
      await deleteSpace(trx, spaceId);
    });
  }
}
