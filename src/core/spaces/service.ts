import type { Actor } from '../actor.js';
import { MEMBER_ROLES, SPACE_KINDS, type MemberRole, type SpaceKind } from '../domain.js';
import { badRequest, KuraError } from '../errors.js';
import { assertWriter } from '../guard/guard.js';
import { newId } from '../ids.js';
import { checkName } from '../names.js';
import type { MetadataStore, Repos, SpaceRow } from '../ports/index.js';
import { canManageSpace } from '../rights.js';
import { credit, ofSubtree } from '../usage/ledger.js';

export { MEMBER_ROLES, SPACE_KINDS };

export interface Space {
  id: number;
  kind: SpaceKind;
  name: string;
  ownerId: number;
  rootId: number;
  quota: { bytes: number | null; files: number | null };
  /** What is stored (`bytes`, `files`), and what open upload sessions hold beside it (`reserved` bytes, `reservedFiles`); the quota counts both. */
  usage: { bytes: number; files: number; reserved: number; reservedFiles: number };
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
  usage: { bytes: Number(r.used_bytes), files: Number(r.used_files), reserved: Number(r.reserved_bytes), reservedFiles: Number(r.reserved_files) },
  publicLinks: Number(r.public_links) === 1,
  createdAt: Number(r.created_at),
  ...(role ? { role } : {}),
});

/** Creates a space with its root folder and its owner as member, inside `tx`. */
export async function createSpaceTx(tx: Repos, s: { kind: SpaceKind; name: string; ownerId: number; quotaBytes?: number | null }, now: number): Promise<number> {
  const id = newId();
  const rootId = newId();
  await tx.spaces.insert({ id, kind: s.kind, name: s.name, owner_id: s.ownerId, root_id: null, quota_bytes: s.quotaBytes ?? null, quota_files: null, created_at: now });
  await tx.items.insertFolder({ id: rootId, spaceId: id, parentId: null, name: s.name, by: s.ownerId, at: now });
  await tx.spaces.setRoot(id, rootId);
  await tx.spaces.upsertMember({ space_id: id, user_id: s.ownerId, role: 'owner', created_at: now });
  return id;
}

function requireAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new KuraError('forbidden', 'only Kura admins may do this');
}

function checkQuotaValue(v: unknown, field: string): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badRequest(`${field} must be a whole number ≥ 0 or null`, { field });
  return v;
}

export class SpaceService {
  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number,
  ) {}

  async create(actor: Actor, input: { kind: unknown; name: unknown; ownerId?: number }): Promise<Space> {
    assertWriter(actor);
    const kind = input.kind as SpaceKind;
    if (!SPACE_KINDS.includes(kind) || kind === 'personal') {
      throw badRequest('kind must be group, project or chat_room (personal spaces come with their user)', { field: 'kind' });
    }
    const name = checkName(input.name);
    const ownerId = input.ownerId ?? actor.userId;
    if (ownerId !== actor.userId && actor.role !== 'admin') throw new KuraError('forbidden', 'only an admin may create a space for someone else');
    if (!(await this.store.users.byId(ownerId))) throw new KuraError('not_found', 'owner not found');
    const id = await this.store.transaction((tx) => createSpaceTx(tx, { kind, name, ownerId }, this.now()));
    return this.get(actor, id);
  }

  /** The caller's role in a space; not_found when the caller is neither member nor admin. */
  async roleOf(actor: Actor, spaceId: number): Promise<MemberRole | undefined> {
    const role = await this.store.spaces.memberRole(spaceId, actor.userId);
    if (!role && actor.role !== 'admin') throw new KuraError('not_found', 'space not found');
    return role;
  }

  async get(actor: Actor, id: number): Promise<Space> {
    const row = await this.store.spaces.byId(id);
    if (!row) throw new KuraError('not_found', 'space not found');
    const role = await this.roleOf(actor, id);
    return toSpace(row, role);
  }

  /** The caller's personal space (every user has one, made with the user). */
  async personal(actor: Actor): Promise<Space> {
    const row = await this.store.spaces.personalOf(actor.userId);
    if (!row || row.root_id === null) throw new KuraError('not_found', 'you have no personal space');
    return toSpace(row, 'owner');
  }

  async listMine(actor: Actor): Promise<Space[]> {
    return (await this.store.spaces.ofUser(actor.userId)).map((r) => toSpace(r, r.member_role));
  }

  async members(actor: Actor, spaceId: number): Promise<Member[]> {
    await this.get(actor, spaceId);
    return (await this.store.spaces.members(spaceId)).map((m) => ({
      userId: Number(m.user_id),
      username: m.username,
      realName: m.real_name,
      role: m.role,
      since: Number(m.created_at),
    }));
  }

  private async requireManager(actor: Actor, spaceId: number): Promise<SpaceRow> {
    const space = await this.store.spaces.byId(spaceId);
    if (!space) throw new KuraError('not_found', 'space not found');
    const role = await this.roleOf(actor, spaceId);
    if (actor.role !== 'admin' && !canManageSpace(role)) throw new KuraError('forbidden', 'only owners and admins of a space manage its members');
    return space;
  }

  /** Adds a member or changes a member's role. The owner's own role cannot change. */
  async setMember(actor: Actor, spaceId: number, userId: number, role: unknown): Promise<Member[]> {
    assertWriter(actor);
    if (!MEMBER_ROLES.includes(role as MemberRole)) throw badRequest('role must be owner, admin, member or viewer', { field: 'role' });
    const space = await this.requireManager(actor, spaceId);
    if (space.kind === 'personal') throw badRequest('a personal space has no other members');
    if (!(await this.store.users.byId(userId))) throw new KuraError('not_found', 'user not found');
    if (Number(space.owner_id) === userId && role !== 'owner') throw new KuraError('conflict', "the space owner's role cannot change");
    if (role === 'owner' && Number(space.owner_id) !== userId) throw badRequest('a space has one owner; give others the admin role');
    await this.store.spaces.upsertMember({ space_id: spaceId, user_id: userId, role: role as MemberRole, created_at: this.now() });
    return this.members(actor, spaceId);
  }

  async removeMember(actor: Actor, spaceId: number, userId: number): Promise<void> {
    assertWriter(actor);
    const space = await this.requireManager(actor, spaceId);
    if (Number(space.owner_id) === userId) throw new KuraError('conflict', 'the space owner cannot be removed');
    if (!(await this.store.spaces.deleteMember(spaceId, userId))) throw new KuraError('not_found', 'member not found');
  }

  /** Sets a space's quota (Kura admins only); null means unlimited. */
  async setQuota(actor: Actor, spaceId: number, q: { bytes?: unknown; files?: unknown }): Promise<Space> {
    assertWriter(actor);
    if (actor.role !== 'admin') throw new KuraError('forbidden', 'only Kura admins set quotas');
    const bytes = checkQuotaValue(q.bytes, 'bytes');
    const files = checkQuotaValue(q.files, 'files');
    if (!(await this.store.spaces.setQuota(spaceId, bytes, files))) throw new KuraError('not_found', 'space not found');
    return this.get(actor, spaceId);
  }

  /**
   * Switches public reads by id (links without a token) on or off for a space: its owner,
   * its admins and Kura admins. The master switch over each file's own flag (`public`): on
   * by default, so files made public are served; off, every public read of its files
   * answers as for an unknown id, public ones included.
   */
  async setPublicLinks(actor: Actor, spaceId: number, on: unknown): Promise<Space> {
    assertWriter(actor);
    if (typeof on !== 'boolean') throw badRequest('publicLinks must be true or false', { field: 'publicLinks' });
    await this.requireManager(actor, spaceId);
    await this.store.spaces.setPublicLinks(spaceId, on);
    return this.get(actor, spaceId);
  }

  /** Every space (Kura admins only), oldest first. */
  async all(actor: Actor): Promise<Space[]> {
    requireAdmin(actor);
    return (await this.store.spaces.all()).map((r) => toSpace(r));
  }

  /** Spaces with exactly this name (Kura admins only). */
  async named(actor: Actor, name: string): Promise<Space[]> {
    requireAdmin(actor);
    return (await this.store.spaces.named(name)).map((r) => toSpace(r));
  }

  /**
   * Gives a group, project or chat_room space another owner (its owner or a Kura admin):
   * the new owner becomes a member with the owner role, the previous owner stays as admin.
   */
  async transfer(actor: Actor, spaceId: number, userId: number): Promise<Space> {
    assertWriter(actor);
    const space = await this.store.spaces.byId(spaceId);
    if (!space) throw new KuraError('not_found', 'space not found');
    if (actor.role !== 'admin' && Number(space.owner_id) !== actor.userId) throw new KuraError('forbidden', 'only the owner of a space or a Kura admin may give it away');
    if (space.kind === 'personal') throw badRequest('a personal space belongs to its user and cannot change hands');
    if (!(await this.store.users.byId(userId))) throw new KuraError('not_found', 'user not found');
    const previous = Number(space.owner_id);
    if (previous !== userId) {
      const now = this.now();
      await this.store.transaction(async (tx) => {
        await tx.spaces.setOwner(spaceId, userId);
        await tx.spaces.upsertMember({ space_id: spaceId, user_id: userId, role: 'owner', created_at: now });
        await tx.spaces.upsertMember({ space_id: spaceId, user_id: previous, role: 'admin', created_at: now });
      });
    }
    return toSpace((await this.store.spaces.byId(spaceId))!);
  }

  /**
   * Deletes a group, project or chat_room space (Kura admins only). Its content is not
   * lost: the root folder, with everything below it, goes to the trash of the owner's
   * personal space as a folder named after the space, counted in that space's usage
   * (even beyond its quota: the owner can purge it), without the space's access entries.
   * With `purge`, the content is deleted for good instead. Open upload sessions into the
   * space end with it.
   */
  async delete(actor: Actor, spaceId: number, opts: { purge?: boolean } = {}): Promise<{ trashedAs?: number; files: number; bytes: number }> {
    assertWriter(actor);
    requireAdmin(actor);
    const space = await this.store.spaces.byId(spaceId);
    if (!space) throw new KuraError('not_found', 'space not found');
    if (space.kind === 'personal') throw badRequest('a personal space goes with its user: remove the user instead');
    const usage = toSpace(space).usage;
    for (const id of await this.store.uploads.ofSpace(spaceId)) await this.store.uploads.delete(id);
    if (opts.purge || space.root_id === null) {
      await this.remove(spaceId);
      return { files: usage.files, bytes: usage.bytes };
    }
    const personal = await this.store.spaces.personalOf(Number(space.owner_id));
    if (!personal?.root_id) throw new KuraError('conflict', "the space's owner has no personal space to keep its content; use purge");
    const rootId = Number(space.root_id);
    const personalId = Number(personal.id);
    const now = this.now();
    await this.store.transaction(async (tx) => {
      const moved = ofSubtree(await tx.items.subtreeUsage(rootId));
      // Trashed first: names are unique among live siblings only, so no clash can refuse it.
      await tx.items.trashSubtree(rootId, now);
      await tx.items.update(rootId, { parent_id: Number(personal.root_id), name: space.name, modified_by: actor.userId, modified_at: now });
      // The entries go with the space: in the owner's trash only the owner has rights
      // (a user or group entry kept would let others into the owner's personal space).
      await tx.acl.deleteOfSpace(spaceId);
      await tx.items.setSubtreeSpace(rootId, personalId);
      // Space rows are always taken in id order, so two opposite moves cannot deadlock.
      if (spaceId < personalId) await credit(tx, spaceId, moved);
      await tx.usage.apply(personalId, moved, false);
      if (spaceId > personalId) await credit(tx, spaceId, moved);
      await tx.spaces.deleteWithItems(spaceId);
    });
    return { trashedAs: rootId, files: usage.files, bytes: usage.bytes };
  }

  /** Deletes a space and everything in it; blobs lose their references (GC collects them). */
  async remove(spaceId: number): Promise<void> {
    const now = this.now();
    await this.store.transaction(async (tx) => {
      for (const r of await tx.spaces.blobRefs(spaceId)) await tx.blobs.release(r.hash, r.n, now);
      await tx.spaces.deleteWithItems(spaceId);
    });
  }
}
