import { Access, ActorType } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { assertWriter } from '../guard/guard.js';
import { newId } from '../ids.js';
import { UniqueViolation, type AclRow, type MetadataStore, type Repos } from '../ports/index.js';
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

/** One change of a batch (drive `update_permission`). */
export type AclChange =
  | { op: 'add'; itemId: number; actorType: unknown; actorId: unknown; mask: unknown }
  | { op: 'modify'; entryId: number; mask: unknown }
  | { op: 'remove'; entryId: number };

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

/**
 * Makes sure user `userId` has an entry of its own on `itemId`, inside the caller's
 * transaction: added with `mask` when there is none; one already there (the same grant made
 * before, or one its owner changed since) is left as it is. Needs EDIT_PERMISSIONS on the
 * item; the user must exist. Racing calls add one entry (the unique key judges).
 */
export async function ensureUserEntryTx(tx: Repos, actor: Actor, itemId: number, userId: number, mask: number, now: number): Promise<void> {
  const { item } = await new Access(tx, () => now).item(actor, itemId, Right.EDIT_PERMISSIONS);
  checkMask(mask);
  if (!(await tx.users.byId(userId))) throw new KuraError('not_found', 'user not found');
  await tx.acl.insertIfAbsent({ id: newId(), space_id: Number(item.space_id), item_id: itemId, actor_type: ActorType.USER, actor_id: userId, mask, created_by: actor.userId, created_at: now });
}

/** Access entries on items. Reading them needs READ_ATTRS, changing them EDIT_PERMISSIONS. */
export class AclService {
  constructor(
    private readonly store: MetadataStore,
    private readonly access: Access,
    private readonly now: () => number,
  ) {}

  async list(actor: Actor, itemId: number): Promise<AclEntry[]> {
    await this.access.item(actor, itemId, Right.READ_ATTRS);
    return (await this.store.acl.ofItems([itemId])).map(toEntry);
  }

  add(actor: Actor, itemId: number, e: { actorType: unknown; actorId: unknown; mask: unknown }): Promise<AclEntry> {
    return this.inTx(actor, (tx) => this.addTx(tx, actor, itemId, e));
  }

  modify(actor: Actor, entryId: number, mask: unknown): Promise<AclEntry> {
    return this.inTx(actor, (tx) => this.modifyTx(tx, actor, entryId, mask));
  }

  async remove(actor: Actor, entryId: number): Promise<void> {
    await this.inTx(actor, (tx) => this.removeTx(tx, actor, entryId));
  }

  /** Applies several changes in one transaction: all of them, or none. */
  async apply(actor: Actor, changes: AclChange[]): Promise<void> {
    if (changes.length === 0 || changes.length > 1000) throw badRequest('give 1 to 1000 permission changes');
    await this.inTx(actor, async (tx) => {
      for (const c of changes) {
        if (c.op === 'add') await this.addTx(tx, actor, c.itemId, c);
        else if (c.op === 'modify') await this.modifyTx(tx, actor, c.entryId, c.mask);
        else await this.removeTx(tx, actor, c.entryId);
      }
    });
  }

  /** Every change runs here: a read-only caller is refused first. */
  private async inTx<T>(actor: Actor, fn: (tx: Repos) => Promise<T>): Promise<T> {
    assertWriter(actor);
    try {
      return await this.store.transaction(fn);
    } catch (err) {
      if (err instanceof UniqueViolation) throw new KuraError('conflict', 'this actor already has an entry on this item; modify it instead');
      throw err;
    }
  }

  private async addTx(tx: Repos, actor: Actor, itemId: number, e: { actorType: unknown; actorId: unknown; mask: unknown }): Promise<AclEntry> {
    const { item } = await new Access(tx, this.now).item(actor, itemId, Right.EDIT_PERMISSIONS);
    const mask = checkMask(e.mask);
    const actorType = e.actorType;
    const actorId = e.actorId;
    if (typeof actorId !== 'number' || !Number.isSafeInteger(actorId) || actorId <= 0) throw badRequest('actorId must be a positive id', { field: 'actorId' });
    if (actorType === ActorType.USER) {
      if (!(await tx.users.byId(actorId))) throw new KuraError('not_found', 'user not found');
    } else if (actorType === ActorType.GROUP) {
      if (!(await tx.spaces.byId(actorId))) throw new KuraError('not_found', 'group not found');
    } else if (actorType === ActorType.ROLE) {
      if (![1, 2, 3].includes(actorId)) throw badRequest('a role entry names role 1 (admin), 2 (member) or 3 (viewer)', { field: 'actorId' });
    } else {
      throw badRequest('actorType must be 0 (user), 1 (group) or 2 (role)', { field: 'actorType' });
    }
    const row: AclRow = { id: newId(), space_id: Number(item.space_id), item_id: itemId, actor_type: actorType, actor_id: actorId, mask, created_by: actor.userId, created_at: this.now() };
    await tx.acl.insert(row);
    return toEntry(row);
  }

  private async entryFor(tx: Repos, actor: Actor, entryId: number): Promise<AclRow> {
    const row = await tx.acl.byId(entryId);
    if (!row) throw new KuraError('not_found', 'access entry not found');
    await new Access(tx, this.now).item(actor, Number(row.item_id), Right.EDIT_PERMISSIONS).catch((e) => {
      throw e instanceof KuraError && e.code === 'not_found' ? new KuraError('not_found', 'access entry not found') : e;
    });
    return row;
  }

  private async modifyTx(tx: Repos, actor: Actor, entryId: number, mask: unknown): Promise<AclEntry> {
    const row = await this.entryFor(tx, actor, entryId);
    const m = checkMask(mask);
    await tx.acl.updateMask(entryId, m);
    return toEntry({ ...row, mask: m });
  }

  private async removeTx(tx: Repos, actor: Actor, entryId: number): Promise<void> {
    await this.entryFor(tx, actor, entryId);
    await tx.acl.delete(entryId);
  }
}
