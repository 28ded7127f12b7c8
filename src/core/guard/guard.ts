import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import type { ItemRow, LockRow, Repos } from '../ports/index.js';
import { checkConditions, judge, judgesItem, type Conditions } from './conditions.js';

/**
 * Refuses a read-only caller (a token made with `readOnly`): the first check of every write
 * in the core, whatever the face — items, spaces, members, access entries, shares, pins,
 * favourites, tokens, locks.
 */
export function assertWriter(actor: Actor | null | undefined): void {
  if (actor?.readOnly) throw new KuraError('forbidden', 'this token is read-only: it may not change anything', { reason: 'read_only' });
}

/**
 * An item a write changes, for the locks that protect it: its content, properties or name,
 * or — for a folder — its membership (a child made, renamed, moved in or out, deleted).
 * `tree`: the write also takes the item's whole subtree away (move, rename, delete), so a
 * lock anywhere below counts too.
 */
export interface Touch {
  id: number;
  spaceId: number;
  tree?: boolean;
}

export interface GuardedWrite {
  /**
   * The item the request names (null: the name it writes to is free; absent: the write
   * names none), or how to find it: looked up only when the conditions judge it.
   */
  subject?: ItemRow | null | (() => Promise<ItemRow | null | undefined>);
  touches: Touch[];
  conditions?: Conditions;
}

/** Options of every guarded write. */
export interface Guarded {
  conditions?: Conditions;
}

/**
 * The write guard: every write of the core passes through it inside the transaction that
 * writes. In order: the caller may write at all (not read-only); the claim on the spaces
 * touched that orders writes after lock changes (LockRepo.claimSpaces); the caller's
 * conditions on the item it names, judged on the row locked for the transaction; and the
 * locks (core/guard/locks.ts) on every item touched — a lock on the item itself, or a
 * depth-infinity lock on a folder above it, takes one of its tokens held by its owner.
 * Expired locks count nowhere. Answers whether the spaces hold any live lock (then a write
 * that moves items away ends their locks: `endLocks`).
 */
export async function guardWrite(tx: Repos, actor: Actor, now: number, w: GuardedWrite): Promise<boolean> {
  assertWriter(actor);
  const conditions = checkConditions(w.conditions);
  const anyLocks = await tx.locks.claimSpaces(
    w.touches.map((t) => t.spaceId),
    false,
    now,
  );
  if (judgesItem(conditions)) {
    if (w.subject === undefined) throw badRequest('this operation takes no ETag or version condition');
    const named = typeof w.subject === 'function' ? ((await w.subject()) ?? null) : w.subject;
    judge(named === null ? null : ((await tx.locks.itemForWrite(Number(named.id))) ?? null), conditions!);
  }
  if (anyLocks) await checkLocks(tx, actor, now, w.touches, new Set(conditions?.lockTokens ?? []));
  return anyLocks;
}

/** Ends the locks on an item and everything below it (it is moved, renamed or deleted: RFC 4918 §7.5). */
export async function endLocks(tx: Repos, id: number): Promise<void> {
  const below = (await tx.items.subtree(id)).map((r) => Number(r.id));
  await tx.locks.deleteOnItems([id, ...below]);
}

/** The locks that cover an item: its own, and the depth-infinity ones of the folders above it (`above`, nearest first). */
export function covering(byItem: Map<number, LockRow[]>, id: number, above: number[]): LockRow[] {
  return [...(byItem.get(id) ?? []), ...above.flatMap((a) => (byItem.get(a) ?? []).filter((l) => Number(l.deep) === 1))];
}

export const groupByItem = (locks: LockRow[]): Map<number, LockRow[]> => {
  const m = new Map<number, LockRow[]>();
  for (const l of locks) m.set(Number(l.item_id), [...(m.get(Number(l.item_id)) ?? []), l]);
  return m;
};

async function checkLocks(tx: Repos, actor: Actor, now: number, touches: Touch[], held: Set<string>): Promise<void> {
  const plans: { id: number; above: number[]; below: { id: number; above: number[] }[] }[] = [];
  const ids = new Set<number>();
  for (const t of touches) {
    const above = await tx.items.ancestorIds(t.id);
    const below: { id: number; above: number[] }[] = [];
    if (t.tree) {
      // Parents come first: each node's chain is its parent's, one longer.
      const chains = new Map<number, number[]>([[t.id, above]]);
      for (const r of await tx.items.subtree(t.id)) {
        if (r.trashed_at !== null) continue;
        const parentChain = chains.get(Number(r.parent_id));
        if (!parentChain) continue;
        const chain = [Number(r.parent_id), ...parentChain];
        chains.set(Number(r.id), chain);
        below.push({ id: Number(r.id), above: chain });
        ids.add(Number(r.id));
      }
    }
    plans.push({ id: t.id, above, below });
    ids.add(t.id);
    for (const a of above) ids.add(a);
  }
  const byItem = groupByItem(await tx.locks.onItems([...ids], now));
  if (byItem.size === 0) return;
  const need = (id: number, locks: LockRow[]) => {
    if (locks.length === 0 || locks.some((l) => held.has(l.token) && Number(l.owner_id) === actor.userId)) return;
    throw new KuraError('locked', 'this item is locked, and the caller holds none of its lock tokens', { itemId: id, lockedItemId: Number(locks[0].item_id) });
  };
  for (const p of plans) {
    need(p.id, covering(byItem, p.id, p.above));
    for (const b of p.below) if (byItem.has(b.id)) need(b.id, covering(byItem, b.id, b.above));
  }
}
