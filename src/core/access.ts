import type { Db } from '../store/schema.js';
import { itemWithRole, type ItemRow } from '../store/repos/items.js';
import { memberRole } from '../store/repos/spaces.js';
import type { Actor } from './actor.js';
import { KuraError } from './errors.js';
import { ALL_RIGHTS, has, Right, ROLE_RIGHTS } from './rights.js';
import { TtlCache } from './ttl-cache.js';

/**
 * The one place that decides what a caller may do with an item. Dialects never decide;
 * they pass the Actor. An item the caller may not see answers not_found, never revealing
 * that it exists; one it may see but not change answers forbidden.
 */
export class Access {
  /**
   * @param cache  (item, caller) lookups kept for a few seconds: only for the root handle,
   *               never inside a transaction. Local writes clear it (see `forget`).
   */
  constructor(
    private readonly db: Db,
    private readonly cache?: AccessCache,
  ) {}

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
    // One query for the item and the caller's role: this is on every request's path.
    const row = actor ? await this.lookup(id, actor.userId) : undefined;
    if (!row || row.trashed_at !== null) throw new KuraError('not_found', `${what} not found`);
    const { member_role, ...item } = row;
    const rights = actor!.role === 'admin' ? ALL_RIGHTS : member_role ? ROLE_RIGHTS[member_role] : 0;
    if (!has(rights, Right.READ_ATTRS)) throw new KuraError('not_found', `${what} not found`);
    if (!has(rights, right)) throw new KuraError('forbidden', `you may not do this with this ${what}`);
    return { item, rights };
  }

  private async lookup(id: number, userId: number) {
    if (!this.cache) return itemWithRole(this.db, id, userId);
    const key = `${id}:${userId}`;
    const hit = this.cache.entries.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const generation = this.cache.generation;
    const row = await itemWithRole(this.db, id, userId);
    // A write that happened while we read must not be overwritten by the older row.
    if (generation === this.cache.generation) this.cache.entries.set(key, row ?? null);
    return row;
  }

  /** Like item(), for a folder that receives new children. */
  async folder(actor: Actor | null, id: number, right: number = Right.CREATE): Promise<ItemRow> {
    const { item } = await this.item(actor, id, right, 'folder');
    if (item.kind !== 'folder') throw new KuraError('bad_request', 'not a folder', { id });
    return item;
  }
}

type Row = Awaited<ReturnType<typeof itemWithRole>>;

/**
 * Per-node cache of (item, caller role) lookups for the hot read path. Any write through
 * this node's core clears it at once; other nodes see a change within the TTL
 * (KURA_AUTH_CACHE_SECONDS, 0 disables), like resolved tokens (docs/decisions/0005).
 */
export class AccessCache {
  readonly entries: TtlCache<string, NonNullable<Row> | null>;
  generation = 0;

  constructor(ttlMs: number, now: () => number) {
    this.entries = new TtlCache(20_000, ttlMs, now);
  }

  forget(): void {
    this.generation++;
    this.entries.clear();
  }
}
