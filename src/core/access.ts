import type { Db } from '../store/schema.js';
import { itemById, type ItemRow } from '../store/repos/items.js';
import { memberRole } from '../store/repos/spaces.js';
import type { Actor } from './actor.js';
import { KuraError } from './errors.js';
import { ALL_RIGHTS, has, Right, ROLE_RIGHTS } from './rights.js';

/**
 * The one place that decides what a caller may do with an item. Dialects never decide;
 * they pass the Actor. An item the caller may not see answers not_found, never revealing
 * that it exists; one it may see but not change answers forbidden.
 */
export class Access {
  constructor(private readonly db: Db) {}

  /** The caller's rights mask on an item (0 for strangers and anonymous callers). */
  async rightsOn(actor: Actor | null, item: Pick<ItemRow, 'space_id' | 'id'>): Promise<number> {
    if (!actor) return 0;
    if (actor.role === 'admin') return ALL_RIGHTS;
    const role = await memberRole(this.db, item.space_id, actor.userId);
    return role ? ROLE_RIGHTS[role] : 0;
  }

  /**
   * Loads a live item the caller can see and checks `right` on it. Trashed items count as
   * absent here (the trash has its own operations).
   */
  async item(actor: Actor | null, id: number, right: number = Right.READ_ATTRS, what = 'item'): Promise<{ item: ItemRow; rights: number }> {
    const item = await itemById(this.db, id);
    if (!item || item.trashed_at !== null) throw new KuraError('not_found', `${what} not found`);
    const rights = await this.rightsOn(actor, item);
    if (!has(rights, Right.READ_ATTRS)) throw new KuraError('not_found', `${what} not found`);
    if (!has(rights, right)) throw new KuraError('forbidden', `you may not do this with this ${what}`);
    return { item, rights };
  }

  /** Like item(), for a folder that receives new children. */
  async folder(actor: Actor | null, id: number, right: number = Right.CREATE): Promise<ItemRow> {
    const { item } = await this.item(actor, id, right, 'folder');
    if (item.kind !== 'folder') throw new KuraError('bad_request', 'not a folder', { id });
    return item;
  }
}
