import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { guardWrite, type Guarded } from '../guard/guard.js';
import type { ItemRow, Repos } from '../ports/index.js';
import { has, Right } from '../rights.js';
import type { Scope } from './scope.js';

/* What a move, a move to the trash or a deletion takes away, and its guard. */

/** Moves are refused for a subtree holding anything the caller may not see or move away. */
const mayTake = (rights: number) => has(rights, Right.DELETE);

/**
 * An item the caller may take away (move, delete) with its whole live subtree: DELETE on
 * it and on everything below, all of which it must see. A folder holding anything hidden
 * from the caller is refused, so no one moves or deletes what they cannot see.
 */
export async function takeable(tx: Repos, access: Access, actor: Actor, id: number, what: string, within?: Scope): Promise<ItemRow> {
  const { item } = await access.item(actor, id, Right.DELETE, 'item', within);
  if (item.parent_id === null) throw badRequest(`the root folder of a space cannot be ${what}`);
  if (item.kind === 'folder') {
    // What does not exist (trashed, expired, pending) is neither seen nor hidden: it goes
    // along (the sweep purges what expired wherever it is).
    const { visible, rightsOf, hidden } = await access.visibleSubtree(actor, item, await tx.items.subtree(id));
    if (hidden.length > 0 || visible.some((r) => !mayTake(rightsOf(Number(r.id))))) {
      throw new KuraError('forbidden', `this folder holds items you may not see or change; it cannot be ${what} by you`);
    }
  }
  return item;
}

/** The guard of a move to the trash or a deletion: the item with its subtree, and its folder. */
export function guardTaking(tx: Repos, actor: Actor, item: ItemRow, opts: Guarded, now: () => number): Promise<boolean> {
  const spaceId = Number(item.space_id);
  return guardWrite(tx, actor, now(), { subject: item, touches: [{ id: Number(item.id), spaceId, tree: true }, { id: Number(item.parent_id), spaceId }], conditions: opts.conditions });
}
