import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { matches, type Filter } from '../filter/filter.js';
import type { ItemRow, MetadataStore, SortField } from '../ports/index.js';
import { Right } from '../rights.js';
import { listFolder, type FolderListing, type ListingOptions } from './listing.js';
import { toItem, type Item, type Version } from './view.js';
import type { Within } from './scope.js';
import { exists } from './visibility.js';

export interface ListOptions {
  filter?: Filter;
  sort?: unknown;
  order?: unknown;
  limit?: unknown;
  offset?: unknown;
  kind?: unknown;
}

/** An item with its visible children, for tree answers. */
export type TreeNode = Item & { children: TreeNode[] };

/** Beyond this many matches, a filtered page is read along its sort order's index. */
const DENSE_MATCHES = 2000;

const SORTS: readonly SortField[] = ['name', 'size', 'created', 'modified', 'mime', 'subtype', 'hash', 'createdBy'];

function intParam(v: unknown, field: string, def: number, min: number, max: number): number {
  if (v === undefined || v === '') return def;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`${field} must be a whole number from ${min} to ${max}`, { field });
  return n;
}

export class ItemQueries {
  constructor(
    private readonly store: MetadataStore,
    private readonly access: Access,
  ) {}

  /** The instant listings are judged at (the existence rule: expired items are gone). */
  private get now(): number {
    return this.access.now();
  }

  /** An item the caller may see (and, with `within`, that lies there). */
  async get(actor: Actor | null, id: number, opts: Within = {}): Promise<Item> {
    return toItem((await this.access.item(actor, id, Right.READ_ATTRS, 'item', opts.within)).item);
  }

  /** The live child of a folder named `name` (exactly), if the caller may see both. */
  async childByName(actor: Actor, folderId: number, name: string): Promise<Item> {
    await this.access.folder(actor, folderId, Right.LIST);
    const row = await this.store.items.liveChildByName(folderId, name);
    if (!row) throw new KuraError('not_found', 'file not found');
    return this.get(actor, Number(row.id));
  }

  /**
   * An item the caller may see, live or in the trash (`trashedAt` says which), checking
   * `right` on it: forbidden when it is visible but the right is missing.
   */
  async getInAnyState(actor: Actor, id: number, right: number = Right.READ_ATTRS): Promise<Item> {
    return toItem((await this.access.itemInAnyState(actor, id, right)).item);
  }

  /** One page of a folder's children that exist (live, unexpired, not pending), folders first. */
  async children(actor: Actor, folderId: number, o: ListOptions = {}): Promise<{ items: Item[]; total: number; limit: number; offset: number }> {
    const folder = await this.access.folder(actor, folderId, Right.LIST);
    const sort = (o.sort ?? 'name') as SortField;
    if (!SORTS.includes(sort)) throw badRequest(`sort must be one of ${SORTS.join(', ')}`, { field: 'sort' });
    const order = o.order ?? 'asc';
    if (order !== 'asc' && order !== 'desc') throw badRequest('order must be asc or desc', { field: 'order' });
    const kind = o.kind;
    if (kind !== undefined && kind !== 'file' && kind !== 'folder') throw badRequest('kind must be file or folder', { field: 'kind' });
    const limit = intParam(o.limit, 'limit', 100, 1, 1000);
    const offset = intParam(o.offset, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const exclude = await this.hiddenChildren(actor, folder);
    const now = this.now;
    if (!o.filter) {
      const [rows, total] = await Promise.all([
        this.store.items.liveChildren(folderId, { sort, order, limit, offset, kind, exclude, now }),
        this.store.items.countLiveChildren(folderId, { kind, exclude, now }),
      ]);
      return { items: rows.map(toItem), total, limit, offset };
    }
    // With a filter, the count (read from an index) tells how to read the page: few matches
    // are collected and sorted, many are met walking the sort order (decisions/0011).
    const total = await this.store.items.countLiveChildren(folderId, { kind, exclude, filter: o.filter, now });
    const rows = offset >= total ? [] : await this.store.items.liveChildren(folderId, { sort, order, limit, offset, kind, exclude, filter: o.filter, dense: total > DENSE_MATCHES, now });
    return { items: rows.map(toItem), total, limit, offset };
  }

  /**
   * A folder's folders (each with the number of files directly in it that the caller may
   * see) and files, by name, read in one query (listing.ts).
   */
  async listing(actor: Actor, folderId: number, opts: ListingOptions = {}): Promise<FolderListing> {
    const folder = await this.access.folder(actor, folderId, Right.LIST);
    return listFolder(this.store, this.access, actor, folder, await this.hiddenChildren(actor, folder), opts, this.now);
  }

  /**
   * A folder's subtree as a tree, showing only what exists and the caller may see: a node
   * needs READ_ATTRS to appear and LIST for its children to appear. `files: false` keeps
   * folders only.
   */
  async descendants(actor: Actor, folderId: number, opts: { files?: boolean; filter?: Filter } = {}): Promise<TreeNode[]> {
    const folder = await this.access.folder(actor, folderId, Right.LIST);
    // visibleSubtree leaves out what does not exist (trashed, expired, pending) and all below it.
    const rows = (await this.store.items.subtree(folderId)).filter((r) => opts.files !== false || r.kind === 'folder');
    const { visible } = await this.access.visibleSubtree(actor, folder, rows);
    const nodes = new Map<number, TreeNode>();
    const top: TreeNode[] = [];
    for (const r of visible) {
      const node = toItem(r) as TreeNode;
      node.children = [];
      nodes.set(Number(r.id), node);
      (Number(r.parent_id) === folderId ? top : nodes.get(Number(r.parent_id))!.children).push(node);
    }
    // Folders first, then by name ignoring case (exact name breaks ties); keys made once.
    const lower = new Map<TreeNode, string>();
    for (const n of nodes.values()) lower.set(n, n.name.toLowerCase());
    const sort = (list: TreeNode[]) => {
      list.sort((a, b) => {
        if (a.kind !== b.kind) return a.kind === 'folder' ? -1 : 1;
        const [x, y] = [lower.get(a)!, lower.get(b)!];
        return x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
      });
      for (const n of list) if (n.children.length) sort(n.children);
    };
    sort(top);
    // With a filter, a node stays if it matches or leads to one that does.
    const keep = (list: TreeNode[]): TreeNode[] =>
      list.filter((n) => {
        n.children = keep(n.children);
        return matches(opts.filter!, n) || n.children.length > 0;
      });
    return opts.filter ? keep(top) : top;
  }

  /** Every child of a folder that exists and the caller may see, folders first, by name (no paging). */
  async allChildren(actor: Actor, folderId: number, opts: { kind?: 'file' | 'folder'; filter?: Filter } = {}): Promise<Item[]> {
    const folder = await this.access.folder(actor, folderId, Right.LIST);
    const exclude = await this.hiddenChildren(actor, folder);
    return (await this.store.items.liveChildren(folderId, { sort: 'name', order: 'asc', limit: 1_000_000, offset: 0, kind: opts.kind, exclude, filter: opts.filter, now: this.now })).map(toItem);
  }

  /**
   * Children an access entry of their own hides from the caller. The others inherit the
   * folder's rights, which the caller was already checked to have.
   */
  private async hiddenChildren(actor: Actor, folder: ItemRow): Promise<number[]> {
    if (actor.role === 'admin' || !(await this.store.acl.spaceHasAcl(Number(folder.space_id)))) return [];
    const own = await this.store.acl.childrenWithAcl(Number(folder.id));
    if (own.length === 0) return [];
    const role = await this.store.spaces.memberRole(Number(folder.space_id), actor.userId);
    const chain = [Number(folder.id), ...(await this.store.items.ancestorIds(Number(folder.id)))];
    const hidden: number[] = [];
    for (const id of own) {
      const rights = await this.access.effective(actor, { id: Number(id), space_id: folder.space_id, parent_id: folder.id }, role, [Number(id), ...chain]);
      if ((rights & Right.READ_ATTRS) === 0) hidden.push(Number(id));
    }
    return hidden;
  }

  async versions(actor: Actor, id: number): Promise<Version[]> {
    const { item } = await this.access.item(actor, id, Right.READ_ATTRS, 'file');
    if (item.kind !== 'file') throw badRequest('a folder has no versions');
    return (await this.store.versions.ofItem(id)).map((v) => ({
      number: Number(v.number),
      size: Number(v.size),
      mime: v.mime,
      sha256: v.blob_hash,
      createdBy: Number(v.created_by),
      createdAt: Number(v.created_at),
    }));
  }

  /** The folders above an item, from the space root down to its parent. */
  async ancestors(actor: Actor, id: number): Promise<Item[]> {
    await this.access.item(actor, id);
    const ids = await this.store.items.ancestorIds(id);
    const rows = new Map((await this.store.items.byIds(ids)).map((r) => [Number(r.id), r]));
    const out: Item[] = [];
    const presence = { now: this.now };
    for (const i of ids.reverse()) {
      const r = rows.get(i);
      // Someone granted access deep in a tree does not see the folders above the grant.
      if (r && exists(r, presence) && (await this.access.rightsOn(actor, r)) & Right.READ_ATTRS) out.push(toItem(r));
    }
    return out;
  }
}
