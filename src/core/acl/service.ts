import type { Kysely } from 'kysely';
import type { Schema } from '../../store/schema.js';
import { isUniqueViolation } from '../../store/db.js';
import { aclById, aclOfItems, deleteAcl, insertAcl, updateAclMask, type AclRow } from '../../store/repos/acl.js';
import { spaceById } from '../../store/repos/spaces.js';
import { userById } from '../../store/repos/users.js';
import { ActorType, type Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { newId } from '../ids.js';
import { ALL_RIGHTS, Right } from '../rights.js';

export interface AclEntry {
  id: number;
  itemId: number;
  /** 0 user, 1 members of a group space, 2 a space role (1 admin, 2 member, 3 viewer). */
  actorType: number;
  actorId: number;
  /** Rights mask (docs/architecture.md), or -1: inherit. */
  mask: number;
  createdBy: number;
  createdAt: number;
}

const toEntry = (r: AclRow): AclEntry => ({
  id: Number(r.id),
  itemId: Number(r.item_id),
  actorType: Number(r.actor_type),
  actorId: Number(r.actor_id),
  mask: Number(r.mask),
  createdBy: Number(r.created_by),
  createdAt: Number(r.created_at),
});

function checkMask(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || (v !== -1 && (v < 0 || (v & ~ALL_RIGHTS) !== 0))) {
    throw badRequest(`mask must be -1 (inherit) or a combination of the rights bits (${ALL_RIGHTS} is all)`, { field: 'mask' });
  }
  return v;
}

/** Access entries on items. Reading them needs READ_ATTRS, changing them EDIT_PERMISSIONS. */
export class AclService {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly access: Access,
    private readonly now: () => number,
  ) {}

  async list(actor: Actor, itemId: number): Promise<AclEntry[]> {
    await this.access.item(actor, itemId, Right.READ_ATTRS);
    return (await aclOfItems(this.db, [itemId])).map(toEntry);
  }

  async add(actor: Actor, itemId: number, e: { actorType: unknown; actorId: unknown; mask: unknown }): Promise<AclEntry> {
    const { item } = await this.access.item(actor, itemId, Right.EDIT_PERMISSIONS);
    const mask = checkMask(e.mask);
    const actorType = e.actorType;
    const actorId = e.actorId;
    if (typeof actorId !== 'number' || !Number.isSafeInteger(actorId) || actorId <= 0) throw badRequest('actorId must be a positive id', { field: 'actorId' });
    if (actorType === ActorType.USER) {
      if (!(await userById(this.db, actorId))) throw new KuraError('not_found', 'user not found');
    } else if (actorType === ActorType.GROUP) {
      if (!(await spaceById(this.db, actorId))) throw new KuraError('not_found', 'group not found');
    } else if (actorType === ActorType.ROLE) {
      if (![1, 2, 3].includes(actorId)) throw badRequest('a role entry names role 1 (admin), 2 (member) or 3 (viewer)', { field: 'actorId' });
    } else {
      throw badRequest('actorType must be 0 (user), 1 (group) or 2 (role)', { field: 'actorType' });
    }
    const row: AclRow = { id: newId(), space_id: Number(item.space_id), item_id: itemId, actor_type: actorType, actor_id: actorId, mask, created_by: actor.userId, created_at: this.now() };
    try {
      await insertAcl(this.db, row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new KuraError('conflict', 'this actor already has an entry on this item; modify it instead');
      throw err;
    }
    return toEntry(row);
  }

  private async entryFor(actor: Actor, entryId: number): Promise<AclRow> {
    const row = await aclById(this.db, entryId);
    if (!row) throw new KuraError('not_found', 'access entry not found');
    await this.access.item(actor, Number(row.item_id), Right.EDIT_PERMISSIONS).catch((e) => {
      throw e instanceof KuraError && e.code === 'not_found' ? new KuraError('not_found', 'access entry not found') : e;
    });
    return row;
  }

  async modify(actor: Actor, entryId: number, mask: unknown): Promise<AclEntry> {
    const row = await this.entryFor(actor, entryId);
    const m = checkMask(mask);
    await updateAclMask(this.db, entryId, m);
    return toEntry({ ...row, mask: m });
  }

  async remove(actor: Actor, entryId: number): Promise<void> {
    await this.entryFor(actor, entryId);
    await deleteAcl(this.db, entryId);
  }
}
