import { randomUUID } from 'node:crypto';
import { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import type { ItemRow, LockRow, MetadataStore, Repos } from '../ports/index.js';
import { has, Right } from '../rights.js';
import { checkConditions, judge, judgesItem, type Conditions } from './conditions.js';
import { assertWriter, covering, groupByItem } from './guard.js';

export type LockScope = 'exclusive' | 'shared';

/** A lock as the faces see it. */
export interface Lock {
  /** An opaque URI (`opaquelocktoken:<uuid>`); useful only to its owner. */
  token: string;
  /** The item locked (the lock's root). */
  itemId: number;
  ownerId: number;
  /** What the client said about the owner (WebDAV `owner`), as sent. */
  owner: string;
  scope: LockScope;
  /** 0: the item alone; 'infinity': a folder with everything below it. */
  depth: 0 | 'infinity';
  /** The timeout granted. */
  timeoutSeconds: number;
  createdAt: number;
  expiresAt: number;
}

/** What a caller asks for. Timeouts are seconds; null or absent: as long as allowed (KURA_LOCK_MAX_SECONDS). */
export interface LockRequest {
  scope?: unknown;
  depth?: unknown;
  timeoutSeconds?: unknown;
  owner?: unknown;
}

/** Live locks one user may hold at once. */
export const MAX_LOCKS_PER_USER = 1000;
const MAX_OWNER = 4096;

const toLock = (r: LockRow): Lock => ({
  token: r.token,
  itemId: Number(r.item_id),
  ownerId: Number(r.owner_id),
  owner: r.owner_info,
  scope: r.scope,
  depth: Number(r.deep) === 1 ? 'infinity' : 0,
  timeoutSeconds: Number(r.timeout_seconds),
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
});

/**
 * Locks on items (RFC 4918 §6–7 semantics, for WebDAV and any face): exclusive or shared,
 * depth 0 or infinity, with an owner, an opaque token and a timeout capped by
 * KURA_LOCK_MAX_SECONDS. They live in the database, so every node honours them; the write
 * guard (guard.ts) refuses a write to a locked item unless the caller holds one of its
 * tokens. Shared locks coexist with shared locks; an exclusive lock excludes every other on
 * the same items (its item, the folders above it for depth-infinity locks there, and for a
 * depth-infinity lock everything below). Expired locks are ignored everywhere; GC deletes them.
 * A move, rename or delete ends the locks on what it moves (their tokens were needed for it).
 */
export class LockService {
  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number,
    private readonly maxSeconds: number,
  ) {}

  /** Takes a lock on an item (it needs EDIT_BASIC there); `locked` when another lock excludes it. */
  async take(actor: Actor, itemId: number, req: LockRequest, opts: { conditions?: Conditions } = {}): Promise<Lock> {
    assertWriter(actor);
    const scope = req.scope ?? 'exclusive';
    if (scope !== 'exclusive' && scope !== 'shared') throw badRequest('scope must be exclusive or shared', { field: 'scope' });
    const depth = req.depth ?? 'infinity';
    if (depth !== 0 && depth !== 'infinity') throw badRequest("depth must be 0 or 'infinity'", { field: 'depth' });
    const owner = req.owner ?? '';
    if (typeof owner !== 'string' || owner.length > MAX_OWNER) throw badRequest(`owner must be a string of at most ${MAX_OWNER} characters`, { field: 'owner' });
    const timeout = this.timeout(req.timeoutSeconds);
    const conditions = checkConditions(opts.conditions);
    return this.store.transaction(async (tx) => {
      const { item } = await new Access(tx, this.now).item(actor, itemId, Right.EDIT_BASIC);
      const now = this.now();
      await tx.locks.claimSpaces([Number(item.space_id)], true, now);
      if (judgesItem(conditions)) judge((await tx.locks.itemForWrite(itemId)) ?? null, conditions!);
      if ((await tx.locks.countOfOwner(actor.userId, now)) >= MAX_LOCKS_PER_USER) throw new KuraError('conflict', `you hold ${MAX_LOCKS_PER_USER} locks, the most one user may; release some first`);
      const above = await tx.items.ancestorIds(itemId);
      const below = depth === 'infinity' ? (await tx.items.subtree(itemId)).filter((r) => r.trashed_at === null).map((r) => Number(r.id)) : [];
      const locks = await tx.locks.onItems([itemId, ...above, ...below], now);
      const byItem = groupByItem(locks);
      const overlapping = [...covering(byItem, itemId, above), ...below.flatMap((id) => byItem.get(id) ?? [])];
      const clash = overlapping.find((l) => scope === 'exclusive' || l.scope === 'exclusive');
      if (clash) throw new KuraError('locked', 'another lock on this item, above it or below it excludes this one', { itemId, lockedItemId: Number(clash.item_id) });
      const row: LockRow = {
        token: `opaquelocktoken:${randomUUID()}`,
        item_id: itemId,
        space_id: Number(item.space_id),
        owner_id: actor.userId,
        owner_info: owner,
        scope,
        deep: depth === 'infinity' ? 1 : 0,
        timeout_seconds: timeout,
        created_at: now,
        expires_at: now + timeout * 1000,
      };
      await tx.locks.insert(row);
      return toLock(row);
    });
  }

  /** Extends one of the caller's locks covering the item by a new timeout (default: as long as allowed). */
  async refresh(actor: Actor, itemId: number, token: string, timeoutSeconds?: unknown): Promise<Lock> {
    assertWriter(actor);
    const timeout = this.timeout(timeoutSeconds);
    return this.store.transaction(async (tx) => {
      const { lock } = await this.coveringLock(tx, actor, itemId, token, 'precondition_failed');
      if (Number(lock.owner_id) !== actor.userId) throw new KuraError('forbidden', 'only who took a lock may refresh it');
      const now = this.now();
      if (!(await tx.locks.refresh(token, now, now + timeout * 1000, timeout))) throw new KuraError('precondition_failed', 'this lock has expired', { reason: 'no_such_lock' });
      return toLock((await tx.locks.byToken(token, now))!);
    });
  }

  /**
   * Ends locks on an item. With a token: the caller's own lock covering the item, or any
   * lock there when the caller may break locks (the space's owner, a Kura admin). Without
   * one: breaks every lock taken on the item itself (only those may). `actor` null is the
   * operator (`kura lock break`). Answers how many locks ended.
   */
  async release(actor: Actor | null, itemId: number, token?: string): Promise<number> {
    assertWriter(actor);
    return this.store.transaction(async (tx) => {
      const now = this.now();
      if (token !== undefined) {
        const { item, lock } = await this.coveringLock(tx, actor, itemId, token, 'conflict');
        if (actor && Number(lock.owner_id) !== actor.userId && !(await this.mayBreak(tx, actor, item))) {
          throw new KuraError('forbidden', 'this lock is not yours; only the space owner or a Kura admin may break it');
        }
        return (await tx.locks.delete(token)) ? 1 : 0;
      }
      const item = await this.itemFor(tx, actor, itemId);
      if (actor && !(await this.mayBreak(tx, actor, item))) throw new KuraError('forbidden', 'only the space owner or a Kura admin may break the locks on an item');
      const mine = await tx.locks.onItems([itemId], now);
      if (mine.length === 0) throw new KuraError('not_found', 'there is no lock on this item');
      for (const l of mine) await tx.locks.delete(l.token);
      return mine.length;
    });
  }

  /** The live locks that apply to an item: its own and the depth-infinity locks of the folders above it. */
  async list(actor: Actor | null, itemId: number): Promise<Lock[]> {
    const item = await this.itemFor(this.store, actor, itemId);
    const above = item.parent_id === null ? [] : await this.store.items.ancestorIds(itemId);
    const byItem = groupByItem(await this.store.locks.onItems([itemId, ...above], this.now()));
    return covering(byItem, itemId, above).map(toLock);
  }

  /**
   * The live locks that apply to each child of a folder the caller may list (a listing's
   * lock discovery in one pass): the depth-infinity locks on the folder and above it apply
   * to every child; a child's own are by its id, for the children the caller may see.
   */
  async ofChildren(actor: Actor, folderId: number): Promise<{ inherited: Lock[]; byChild: Map<number, Lock[]> }> {
    const folder = await new Access(this.store, this.now).folder(actor, folderId, Right.LIST);
    const inherited = (await this.list(actor, folderId)).filter((l) => l.depth === 'infinity');
    const rows = await this.store.locks.onChildrenOf(folderId, this.now());
    const byChild = new Map<number, Lock[]>();
    if (rows.length === 0) return { inherited, byChild };
    const access = new Access(this.store, this.now);
    const rights = await access.subtreeRights(actor, folder, rows.map((r) => ({ id: Number(r.item_id), parent_id: folderId })));
    for (const r of rows) {
      const id = Number(r.item_id);
      if (!has('uniform' in rights ? rights.uniform : (rights.byId.get(id) ?? 0), Right.READ_ATTRS)) continue;
      byChild.set(id, [...(byChild.get(id) ?? []), toLock(r)]);
    }
    return { inherited, byChild };
  }

  /** Deletes expired locks (GC); how many. */
  prune(): Promise<number> {
    return this.store.locks.prune(this.now());
  }

  /** Seconds granted for a requested timeout: 1 or more, at most the cap; none or infinite: the cap. */
  private timeout(v: unknown): number {
    if (v === undefined || v === null) return this.maxSeconds;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw badRequest('the timeout must be a whole number of seconds ≥ 1, or absent for the longest allowed', { field: 'timeout' });
    return Math.min(v, this.maxSeconds);
  }

  /** The item (the caller must see it; the operator sees everything). */
  private async itemFor(db: Repos, actor: Actor | null, itemId: number): Promise<ItemRow> {
    if (actor) return (await new Access(db, this.now).item(actor, itemId, Right.READ_ATTRS)).item;
    const item = await db.items.byId(itemId);
    if (!item || item.trashed_at !== null) throw new KuraError('not_found', 'item not found');
    return item;
  }

  /** A live lock with this token that covers the item; `code` when there is none. */
  private async coveringLock(tx: Repos, actor: Actor | null, itemId: number, token: string, code: 'conflict' | 'precondition_failed'): Promise<{ item: ItemRow; lock: LockRow }> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) throw badRequest('give a lock token', { field: 'token' });
    const item = await this.itemFor(tx, actor, itemId);
    const lock = await tx.locks.byToken(token, this.now());
    const covers = lock && (Number(lock.item_id) === itemId || (Number(lock.deep) === 1 && (await tx.items.ancestorIds(itemId)).includes(Number(lock.item_id))));
    if (!lock || !covers) throw new KuraError(code, 'no live lock with this token covers this item', { reason: 'no_such_lock' });
    return { item, lock };
  }

  /** Space owners and Kura admins may break anyone's locks. */
  private async mayBreak(tx: Repos, actor: Actor, item: ItemRow): Promise<boolean> {
    if (actor.role === 'admin') return true;
    const space = await tx.spaces.byId(Number(item.space_id));
    return space !== undefined && Number(space.owner_id) === actor.userId;
  }
}
