import type { Actor } from './actor.js';
import type { MemberRole } from './domain.js';
import type { Scope } from './items/scope.js';
import { exists, type StateOf } from './items/visibility.js';
import type { AclRow, ItemRow, Repos, SpaceRow } from './ports/index.js';
import { KuraError } from './errors.js';
import { ALL_RIGHTS, has, Right, ROLE_RIGHTS } from './rights.js';
import { TtlCache } from './ttl-cache.js';

/** ACL actor types (the drive spec's values). */
export const ActorType = { USER: 0, GROUP: 1, ROLE: 2 } as const;
/** How a space role is named in a role entry's actor id. The owner needs none: it keeps every right. */
export const ROLE_CODES: Record<Exclude<MemberRole, 'owner'>, number> = { admin: 1, member: 2, viewer: 3 };

type Located = Pick<ItemRow, 'id' | 'space_id' | 'parent_id'>;

/**
 * The one place that decides what a caller may do with an item. Dialects never decide;
 * they pass the Actor. An item the caller may not see answers not_found, never revealing
 * that it exists; one it may see but not change answers forbidden.
 *
 * Rights: Kura admins and space owners have all; otherwise the space role's base mask,
 * replaced by the nearest access entry on the item or an ancestor that applies to the
 * caller — its own user entry first, else the union of its group and role entries there.
 */
export class Access {
  /**
   * @param now    the clock the existence rule reads (items past their expiry are gone).
   * @param cache  (item, caller) → rights, kept for a few seconds: only for the root handle,
   *               never inside a transaction. Local writes clear it; the existence rule is
   *               judged on every read, so a cached item is gone at its expiry instant.
   */
  constructor(
    private readonly repos: Repos,
    readonly now: () => number,
    private readonly cache?: AccessCache,
  ) {}

  /** The caller's rights mask on an item (0 for strangers and anonymous callers). */
  async rightsOn(actor: Actor | null, item: Located): Promise<number> {
    if (!actor) return 0;
    if (actor.role === 'admin') return ALL_RIGHTS;
    return this.effective(actor, item, await this.repos.spaces.memberRole(Number(item.space_id), actor.userId));
  }

  /** Rights from role and access entries, for a caller whose role in the space is known. */
  async effective(actor: Actor, item: Located, role: MemberRole | null | undefined, chain?: number[]): Promise<number> {
    if (actor.role === 'admin' || role === 'owner') return ALL_RIGHTS;
    const base = role ? ROLE_RIGHTS[role] : 0;
    if (!(await this.repos.acl.spaceHasAcl(Number(item.space_id)))) return base;
    const ids = chain ?? [Number(item.id), ...(item.parent_id === null ? [] : await this.repos.items.ancestorIds(Number(item.id)))];
    const entries = (await this.repos.acl.ofItems(ids)).filter((e) => Number(e.mask) !== -1);
    if (entries.length === 0) return base;
    const groups = await this.repos.spaces.memberOfAny(
      actor.userId,
      entries.filter((e) => Number(e.actor_type) === ActorType.GROUP).map((e) => Number(e.actor_id)),
    );
    for (const id of ids) {
      const mask = entryMask(actor, role, groups, entries.filter((e) => Number(e.item_id) === id));
      if (mask !== undefined) return mask;
    }
    return base;
  }

  /**
   * Rights on every node of a subtree in one pass, top-down: each node takes the mask its
   * own applicable entries give, else its parent's. `rows` must come parents first. Without
   * entries that could apply (none in the space, or an owner or Kura admin), every node has
   * the top's rights and no map is built (`uniform`).
   */
  async subtreeRights(actor: Actor, top: Located, rows: Pick<ItemRow, 'id' | 'parent_id'>[]): Promise<{ uniform: number } | { byId: Map<number, number> }> {
    const role = actor.role === 'admin' ? undefined : await this.repos.spaces.memberRole(Number(top.space_id), actor.userId);
    const topRights = await this.effective(actor, top, role);
    const acl = actor.role !== 'admin' && role !== 'owner' && (await this.repos.acl.spaceHasAcl(Number(top.space_id)));
    if (!acl) return { uniform: topRights };
    const byItem = new Map<number, AclRow[]>();
    const ids = rows.map((r) => Number(r.id));
    for (let i = 0; i < ids.length; i += 500) {
      for (const e of await this.repos.acl.ofItems(ids.slice(i, i + 500))) {
        if (Number(e.mask) === -1) continue;
        const list = byItem.get(Number(e.item_id)) ?? [];
        list.push(e);
        byItem.set(Number(e.item_id), list);
      }
    }
    const groupIds = [...byItem.values()].flat().filter((e) => Number(e.actor_type) === ActorType.GROUP).map((e) => Number(e.actor_id));
    const groups = await this.repos.spaces.memberOfAny(actor.userId, groupIds);
    const out = new Map<number, number>([[Number(top.id), topRights]]);
    for (const r of rows) {
      const own = byItem.has(Number(r.id)) ? entryMask(actor, role, groups, byItem.get(Number(r.id))!) : undefined;
      out.set(Number(r.id), own ?? out.get(Number(r.parent_id)) ?? 0);
    }
    return { byId: out };
  }

  /**
   * The one rule for subtree operations (trees, zips, copies, moves, deletes): a node below
   * `top` is visible when it exists (the existence rule: live, unexpired, not pending, and
   * so is every folder above it up to `top`) and the caller has READ_ATTRS on it and LIST on
   * its parent, the parent being visible too. `rows` must come parents first (as
   * `items.subtree` gives them). Answers the visible rows (in the same order), their rights,
   * and the rows that exist but the caller may not see (`hidden`); rows that do not exist
   * are in neither.
   */
  async visibleSubtree<R extends Pick<ItemRow, 'id' | 'parent_id'> & StateOf>(actor: Actor, top: Located, all: R[]): Promise<{ visible: R[]; rightsOf: (id: number) => number; hidden: R[] }> {
    const rows = this.existing(all);
    const rights = await this.subtreeRights(actor, top, rows);
    if ('uniform' in rights) {
      const all = rights.uniform;
      const seen = has(all, Right.LIST | Right.READ_ATTRS);
      return { visible: seen ? rows : [], rightsOf: () => all, hidden: seen ? [] : rows };
    }
    const masks = rights.byId;
    const open = new Set<number>();
    if (has(masks.get(Number(top.id)) ?? 0, Right.LIST)) open.add(Number(top.id));
    const visible: R[] = [];
    const hidden: R[] = [];
    for (const row of rows) {
      const mask = masks.get(Number(row.id)) ?? 0;
      if (!open.has(Number(row.parent_id)) || !has(mask, Right.READ_ATTRS)) {
        hidden.push(row);
        continue;
      }
      visible.push(row);
      if (has(mask, Right.LIST)) open.add(Number(row.id));
    }
    return { visible, rightsOf: (id) => masks.get(id) ?? 0, hidden };
  }

  /** The rows of a subtree (parents first) that exist, without those below one that does not. */
  private existing<R extends Pick<ItemRow, 'id' | 'parent_id'> & StateOf>(rows: R[]): R[] {
    const presence = { now: this.now() };
    let gone: Set<number> | undefined;
    const out: R[] = [];
    for (const r of rows) {
      if (exists(r, presence) && !gone?.has(Number(r.parent_id))) out.push(r);
      else (gone ??= new Set()).add(Number(r.id));
    }
    return out;
  }

  /**
   * The caller's rights on the last item of a path, or not_found: `chain` is a space root
   * and the live items below it down to that item, each the parent of the next. A path is
   * followed only through what the caller may see (READ_ATTRS on every level) and list (LIST
   * on every folder above the last), so a hidden folder answers not_found for everything
   * below it, as an id would. One pass top-down over the chain's entries.
   */
  async alongPath(actor: Actor, chain: ItemRow[]): Promise<number> {
    const rights = await this.subtreeRights(actor, chain[0], chain.slice(1));
    const rightsOf = (row: ItemRow) => ('uniform' in rights ? rights.uniform : (rights.byId.get(Number(row.id)) ?? 0));
    const last = chain.length - 1;
    for (const [i, row] of chain.entries()) {
      if (!has(rightsOf(row), i === last ? Right.READ_ATTRS : Right.READ_ATTRS | Right.LIST)) throw new KuraError('not_found', 'no such path');
    }
    return rightsOf(chain[last]);
  }

  /**
   * Whether an access entry on the item or above it denies someone reading it. A public
   * read (by id, without a token) never serves such an item: a link must not undo a deny.
   */
  async hiddenFromSomeone(item: Located): Promise<boolean> {
    if (!(await this.repos.acl.spaceHasAcl(Number(item.space_id)))) return false;
    const chain = [Number(item.id), ...(item.parent_id === null ? [] : await this.repos.items.ancestorIds(Number(item.id)))];
    const read = Right.READ_ATTRS | Right.READ_CONTENT;
    return (await this.repos.acl.ofItems(chain)).some((e) => Number(e.mask) !== -1 && !has(Number(e.mask), read));
  }

  /**
   * Loads an item that exists (the existence rule at this instant: live, unexpired, not
   * pending) and that the caller can see, and checks `right` on it. Trashed items count as
   * absent here (the trash has its own operations), and so do items outside `within` (the
   * part of the tree a face confines itself to).
   */
  async item(actor: Actor | null, id: number, right: number = Right.READ_ATTRS, what = 'item', within?: Scope): Promise<{ item: ItemRow; rights: number }> {
    const found = actor ? await this.lookup(actor, id) : undefined;
    if (!found || !exists(found.item, { now: this.now() }) || !has(found.rights, Right.READ_ATTRS) || !(await this.inScope(found.item, within))) {
      throw new KuraError('not_found', `${what} not found`);
    }
    if (!has(found.rights, right)) throw new KuraError('forbidden', `you may not do this with this ${what}`);
    return found;
  }

  /**
   * Like item(), but a trashed item counts too (a face that shows deleted files as such,
   * e.g. 10Centuries' deleted file object). Expired, pending and purged items are gone: not_found.
   */
  async itemInAnyState(actor: Actor | null, id: number, right: number = Right.READ_ATTRS, what = 'item'): Promise<{ item: ItemRow; rights: number }> {
    const found = actor ? await this.lookup(actor, id) : undefined;
    if (!found || !exists(found.item, { now: this.now(), trash: true }) || !has(found.rights, Right.READ_ATTRS)) throw new KuraError('not_found', `${what} not found`);
    if (!has(found.rights, right)) throw new KuraError('forbidden', `you may not do this with this ${what}`);
    return found;
  }

  /** Whether an item lies in `within` (every item does when there is none). */
  async inScope(item: ItemRow, within: Scope | undefined): Promise<boolean> {
    if (!within) return true;
    const space = await this.spaceFacts(Number(item.space_id));
    return space !== null && within.holds({ item, space });
  }

  /** A space's kind and root (cached like rights: they change only when it is made or deleted). */
  private async spaceFacts(spaceId: number): Promise<Pick<SpaceRow, 'kind' | 'root_id'> | null> {
    const hit = this.cache?.spaces.get(spaceId);
    if (hit !== undefined) return hit;
    const generation = this.cache?.generation;
    const row = await this.repos.spaces.byId(spaceId);
    const facts = row ? { kind: row.kind, root_id: row.root_id } : null;
    if (this.cache && generation === this.cache.generation) this.cache.spaces.set(spaceId, facts);
    return facts;
  }

  private async lookup(actor: Actor, id: number): Promise<{ item: ItemRow; rights: number } | undefined> {
    const key = `${id}:${actor.userId}:${actor.role}`;
    const hit = this.cache?.entries.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const generation = this.cache?.generation;
    // One query for the item and the caller's role: this is on every request's path.
    const row = await this.repos.items.withRole(id, actor.userId);
    let found: { item: ItemRow; rights: number } | undefined;
    if (row) {
      const { member_role, ...item } = row;
      found = { item, rights: await this.effective(actor, item, member_role) };
    }
    // A write that happened while we read must not be overwritten by the older answer.
    if (this.cache && generation === this.cache.generation) this.cache.entries.set(key, found ?? null);
    return found;
  }

  /** Like item(), for a folder that receives new children. */
  async folder(actor: Actor | null, id: number, right: number = Right.CREATE): Promise<ItemRow> {
    const { item } = await this.item(actor, id, right, 'folder');
    if (item.kind !== 'folder') throw new KuraError('bad_request', 'not a folder', { id });
    return item;
  }
}

type Entry = AclRow;

/**
 * The mask the entries on one item give the caller: its own user entry, else the union of
 * its group and role entries there; undefined when none applies (inherit).
 */
function entryMask(actor: Actor, role: MemberRole | null | undefined, groups: Set<number>, here: Entry[]): number | undefined {
  const own = here.find((e) => Number(e.actor_type) === ActorType.USER && Number(e.actor_id) === actor.userId);
  if (own) return Number(own.mask);
  const roleCode = role && role !== 'owner' ? ROLE_CODES[role] : undefined;
  const shared = here.filter((e) => (Number(e.actor_type) === ActorType.GROUP && groups.has(Number(e.actor_id))) || (Number(e.actor_type) === ActorType.ROLE && Number(e.actor_id) === roleCode));
  return shared.length > 0 ? shared.reduce((m, e) => m | Number(e.mask), 0) : undefined;
}

/**
 * Per-node cache of (item, caller) → rights for the hot read path (and of spaces' kind and
 * root, for scopes). Any write through this node's core clears it at once; other nodes see
 * a change within the TTL (KURA_AUTH_CACHE_SECONDS, 0 disables), like resolved tokens
 * (docs/decisions/0005).
 */
export class AccessCache {
  readonly entries: TtlCache<string, { item: ItemRow; rights: number } | null>;
  /** Space id → its kind and root, for scopes. */
  readonly spaces: TtlCache<number, Pick<SpaceRow, 'kind' | 'root_id'> | null>;
  generation = 0;

  constructor(ttlMs: number, now: () => number) {
    this.entries = new TtlCache(20_000, ttlMs, now);
    this.spaces = new TtlCache(2_000, ttlMs, now);
  }

  forget(): void {
    this.generation++;
    this.entries.clear();
    this.spaces.clear();
  }
}
