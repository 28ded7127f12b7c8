import { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { runClaimingTx } from '../storage/refs.js';
import { categoryOf } from '../domain.js';
import { badRequest, KuraError } from '../errors.js';
import { assertWriter, endLocks, guardWrite, type Guarded } from '../guard/guard.js';
import { newId } from '../ids.js';
import { checkName } from '../names.js';
import type { ItemRow, MetadataStore, Repos } from '../ports/index.js';
import { has, Right } from '../rights.js';
import { purgeTx } from '../trash/service.js';
import { charge, combine, credit, inCategory, ofSubtree } from '../usage/ledger.js';
import { checkPath, ensureFoldersTx, type EnsureFoldersOptions } from './folder-path.js';
import { eachOnItsOwn, type Outcome } from './outcome.js';
import { place, type OnConflict, type PlaceConflict } from './placement.js';
import { replaceTx } from './replace.js';
import type { Scope, Within } from './scope.js';
import { toItem, type Item } from './view.js';

export interface MetaPatch {
  name?: unknown;
  description?: unknown;
  customTag?: unknown;
  properties?: unknown;
  system?: unknown;
  /** Whether anyone may read the file by id without a credential (files only; needs SHARE). */
  public?: unknown;
}

export interface FolderTree {
  id: number;
  name: string;
  children: FolderTree[];
}

export interface PlaceOptions extends Guarded {
  name?: unknown;
  /** `version` counts as `fail` here; `replace` gives an existing file of the name new content (core/items/replace.ts). */
  onConflict?: PlaceConflict;
}

/** A move's or copy's policy for place(): `version` is an upload's choice and fails here. */
const placePolicy = (c: PlaceConflict | undefined): PlaceConflict => (c === undefined || c === 'version' ? 'fail' : c);

function text(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string') throw badRequest(`${field} must be a string`, { field });
  if (v.length > max) throw badRequest(`${field} is longer than ${max} characters`, { field });
  return v;
}

function checkBatch(ids: number[]): void {
  if (ids.length === 0 || ids.length > 1000) throw badRequest('give 1 to 1000 items');
}

/** Moves are refused for a subtree holding anything the caller may not see or move away. */
const mayTake = (rights: number) => has(rights, Right.DELETE);

/**
 * Folder creation, rename and metadata edits, move, copy and delete (to the trash), one item
 * at a time or in batches. Batches whose answer is one result run in one transaction, all or
 * nothing; batches whose answer lists items report each item's outcome.
 */
export class ChangeService {
  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number,
    /** KURA_VERSION_CAP, for the versions `replace` adds. */
    private readonly versionCap = 0,
  ) {}

  /** Runs a write of `actor` in one transaction (a read-only caller is refused before it starts). */
  private tx<T>(actor: Actor, fn: (tx: Repos, access: Access) => Promise<T>): Promise<T> {
    assertWriter(actor);
    return runClaimingTx(this.store, (tx) => fn(tx, new Access(tx, this.now)));
  }

  /** Runs `fn` for each id (1–1000) in one transaction: all of them, or none. */
  private allOrNothing(actor: Actor, ids: number[], fn: (tx: Repos, access: Access, id: number) => Promise<Item>): Promise<Item[]> {
    checkBatch(ids);
    return this.tx(actor, async (tx, access) => {
      const out: Item[] = [];
      for (const id of ids) out.push(await fn(tx, access, id));
      return out;
    });
  }

  async createFolder(actor: Actor, parentId: number, rawName: unknown, opts: { onConflict?: OnConflict; system?: boolean } & Guarded = {}): Promise<Item> {
    const name = checkName(rawName);
    const policy = opts.onConflict === 'version' ? 'fail' : (opts.onConflict ?? 'fail');
    return this.tx(actor, async (tx, access) => {
      const parent = await access.folder(actor, parentId, Right.CREATE);
      await guardWrite(tx, actor, this.now(), { subject: () => tx.items.liveChildByName(parentId, name), touches: [{ id: parentId, spaceId: Number(parent.space_id) }], conditions: opts.conditions });
      const target = await place(tx, parentId, name, policy, this.now());
      const id = newId();
      await tx.items.insertFolder({ id, spaceId: Number(parent.space_id), parentId, name: target.name, by: actor.userId, at: this.now(), system: opts.system });
      return toItem((await tx.items.byId(id))!);
    });
  }

  /**
   * Creates a whole folder tree under `parentId` in one transaction: all of it or nothing.
   * Returns the created tree (ids and names). At most 1000 folders, 32 levels.
   */
  async createTree(actor: Actor, parentId: number, tree: unknown, opts: Guarded = {}): Promise<FolderTree> {
    let count = 0;
    const check = (node: unknown, path: string, depth: number): void => {
      if (!node || typeof node !== 'object' || Array.isArray(node)) throw badRequest(`${path} must be an object with Name and optional Children`, { path });
      const n = node as { Name?: unknown; Children?: unknown };
      if (++count > 1000) throw badRequest('a folder tree holds at most 1000 folders');
      if (depth > 32) throw badRequest('a folder tree is at most 32 levels deep', { path });
      checkName(n.Name, `${path}.Name`);
      if (n.Children !== undefined && n.Children !== null && !Array.isArray(n.Children)) throw badRequest(`${path}.Children must be an array`, { path });
      ((n.Children as unknown[] | undefined) ?? []).forEach((c, i) => check(c, `${path}.Children[${i}]`, depth + 1));
    };
    check(tree, 'Data', 0);
    return this.tx(actor, async (tx, access) => {
      const parent = await access.folder(actor, parentId, Right.CREATE);
      const now = this.now();
      await guardWrite(tx, actor, now, { touches: [{ id: parentId, spaceId: Number(parent.space_id) }], conditions: opts.conditions });
      const make = async (node: unknown, under: number): Promise<FolderTree> => {
        const n = node as { Name: string; Children?: unknown[] };
        const name = checkName(n.Name);
        await place(tx, under, name, 'fail', now);
        const id = newId();
        await tx.items.insertFolder({ id, spaceId: Number(parent.space_id), parentId: under, name, by: actor.userId, at: now });
        const children: FolderTree[] = [];
        for (const c of n.Children ?? []) children.push(await make(c, id));
        return { id, name, children };
      };
      return make(tree, parentId);
    });
  }

  /**
   * Finds or makes a chain of folders below `parentId` (`mkdir -p`), with an optional access
   * entry on the last one, in one transaction: all of it or nothing, and race-safe (two
   * calls make one folder). Answers the last folder. See folder-path.ts for the rules.
   */
  async ensureFolders(actor: Actor, parentId: number, names: readonly unknown[], opts: EnsureFoldersOptions = {}): Promise<Item> {
    const path = checkPath(names);
    return this.tx(actor, async (tx, access) => toItem(await ensureFoldersTx(tx, access, actor, parentId, path, opts, this.now())));
  }

  /**
   * Renames and edits descriptive fields. Name changes need EDIT_BASIC, properties
   * EDIT_EXTENDED. With `within`, an item outside it is not_found.
   */
  async update(actor: Actor, id: number, patch: MetaPatch, opts: Within & Guarded = {}): Promise<Item> {
    return this.tx(actor, (tx, access) => this.updateTx(tx, access, actor, id, patch, opts));
  }

  /** Updates several items, each on its own (drive `update_items` lists those updated). */
  updateMany(actor: Actor, patches: { id: number; patch: MetaPatch }[], opts: Guarded = {}): Promise<Outcome<Item>[]> {
    const byId = new Map(patches.map((p) => [p.id, p.patch]));
    return eachOnItsOwn([...byId.keys()], (id) => this.update(actor, id, byId.get(id)!, opts));
  }

  private async updateTx(tx: Repos, access: Access, actor: Actor, id: number, patch: MetaPatch, opts: Within & Guarded): Promise<Item> {
    const { item, rights } = await access.item(actor, id, Right.READ_ATTRS, 'item', opts.within);
    const set: Parameters<typeof tx.items.update>[1] = {};
    const need = (right: number) => {
      if (!has(rights, right)) throw new KuraError('forbidden', 'you may not edit this item');
    };
    if (patch.name !== undefined) {
      need(Right.EDIT_BASIC);
      const name = checkName(patch.name);
      if (item.parent_id === null) throw badRequest('the root folder of a space is renamed with the space');
      set.name = name;
    }
    if (patch.description !== undefined) {
      need(Right.EDIT_BASIC);
      set.description = text(patch.description, 'description', 10_000);
    }
    if (patch.customTag !== undefined) {
      need(Right.EDIT_BASIC);
      set.custom_tag = text(patch.customTag, 'customTag', 255);
    }
    if (patch.system !== undefined) {
      need(Right.EDIT_BASIC);
      if (typeof patch.system !== 'boolean') throw badRequest('system must be true or false', { field: 'system' });
      set.system = patch.system ? 1 : 0;
    }
    if (patch.properties !== undefined) {
      need(Right.EDIT_EXTENDED);
      const p = patch.properties;
      if (p === null || typeof p !== 'object' || Array.isArray(p)) throw badRequest('properties must be a JSON object', { field: 'properties' });
      const json = JSON.stringify(p);
      if (json.length > 64 * 1024) throw badRequest('properties exceed 64 KiB', { field: 'properties' });
      set.properties = json;
    }
    const edited = Object.keys(set).length > 0;
    if (patch.public !== undefined) {
      // Who may share a file decides whether anyone may read it by id; not an edit of it.
      if (!has(rights, Right.SHARE)) throw new KuraError('forbidden', 'only who may share this file may make it public or private');
      if (typeof patch.public !== 'boolean') throw badRequest('public must be true or false', { field: 'public' });
      if (item.kind !== 'file') throw badRequest('only files are read by id: a folder is never public', { field: 'public' });
      set.public_read = patch.public ? 1 : 0;
    }
    if (Object.keys(set).length === 0) throw badRequest('nothing to change');
    // A new name moves the item in its folder: the folder's membership changes, and the locks on the item end.
    const renamed = set.name !== undefined && set.name !== item.name;
    const spaceId = Number(item.space_id);
    const touches = renamed ? [{ id, spaceId, tree: true }, { id: Number(item.parent_id), spaceId }] : [{ id, spaceId }];
    const anyLocks = await guardWrite(tx, actor, this.now(), { subject: item, touches, conditions: opts.conditions });
    if (renamed) await place(tx, Number(item.parent_id), set.name!, 'fail', this.now(), id);
    if (edited) {
      set.modified_by = actor.userId;
      set.modified_at = this.now();
    }
    await tx.items.update(id, set);
    if (renamed && anyLocks) await endLocks(tx, id);
    return toItem((await tx.items.byId(id))!);
  }

  /**
   * `item` onto the existing file `onto` as its new version (replace.ts): a content write to
   * that file, so its locks are judged too (the held tokens of the move or copy).
   */
  private async replaceOnto(tx: Repos, access: Access, actor: Actor, item: ItemRow, onto: ItemRow, move: boolean, opts: PlaceOptions): Promise<Item> {
    await guardWrite(tx, actor, this.now(), { touches: [{ id: Number(onto.id), spaceId: Number(onto.space_id) }], conditions: { lockTokens: opts.conditions?.lockTokens } });
    return toItem(await replaceTx(tx, access, actor, item, onto, { move, now: this.now(), versionCap: this.versionCap }));
  }

  /** Refuses a destination that is the item itself or lies below it. */
  private async checkNotInside(tx: Repos, item: ItemRow, dest: ItemRow): Promise<void> {
    if (item.kind !== 'folder') return;
    if (Number(dest.id) === Number(item.id) || (await tx.items.ancestorIds(Number(dest.id))).includes(Number(item.id))) {
      throw new KuraError('conflict', 'a folder cannot go inside itself');
    }
  }

  /**
   * An item the caller may take away (move, delete) with its whole live subtree: DELETE on
   * it and on everything below, all of which it must see. A folder holding anything hidden
   * from the caller is refused, so no one moves or deletes what they cannot see.
   */
  private async takeable(tx: Repos, access: Access, actor: Actor, id: number, what: string, within?: Scope): Promise<ItemRow> {
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

  /** Moves an item (with its subtree) into another folder, possibly in another space. */
  async move(actor: Actor, id: number, destId: number, opts: PlaceOptions = {}): Promise<Item> {
    return this.tx(actor, (tx, access) => this.moveTx(tx, access, actor, id, destId, opts));
  }

  /** Moves several items into one folder in one transaction: all of them, or none. */
  moveMany(actor: Actor, ids: number[], destId: number, opts: Omit<PlaceOptions, 'name'> = {}): Promise<Item[]> {
    return this.allOrNothing(actor, ids, (tx, access, id) => this.moveTx(tx, access, actor, id, destId, opts));
  }

  private async moveTx(tx: Repos, access: Access, actor: Actor, id: number, destId: number, opts: PlaceOptions): Promise<Item> {
    const item = await this.takeable(tx, access, actor, id, 'moved');
    const dest = await access.folder(actor, destId, Right.CREATE);
    const anyLocks = await guardWrite(tx, actor, this.now(), {
      subject: item,
      touches: [
        { id, spaceId: Number(item.space_id), tree: true },
        { id: Number(item.parent_id), spaceId: Number(item.space_id) },
        { id: destId, spaceId: Number(dest.space_id) },
      ],
      conditions: opts.conditions,
    });
    await this.checkNotInside(tx, item, dest);
    const name = opts.name === undefined ? item.name : checkName(opts.name);
    const target = await place(tx, destId, name, placePolicy(opts.onConflict), this.now(), id);
    if (target.existing) return this.replaceOnto(tx, access, actor, item, target.existing, true, opts);
    const fromSpace = Number(item.space_id);
    const toSpace = Number(dest.space_id);
    if (fromSpace !== toSpace) {
      await this.checkEntriesMayMove(tx, access, actor, item, dest);
      const usage = ofSubtree(await tx.items.subtreeUsage(id));
      // Space rows are always taken in id order, so two opposite moves cannot deadlock.
      if (fromSpace < toSpace) await credit(tx, fromSpace, usage);
      await charge(tx, toSpace, usage, 'this move');
      if (fromSpace > toSpace) await credit(tx, fromSpace, usage);
      await tx.items.setSubtreeSpace(id, toSpace);
    }
    // The locks on what moves end with its place (their tokens were needed for the move).
    if (anyLocks) await endLocks(tx, id);
    await tx.items.update(id, { parent_id: destId, name: target.name, modified_by: actor.userId, modified_at: this.now() });
    return toItem((await tx.items.byId(id))!);
  }

  /**
   * Access entries go with their items into the other space (setSubtreeSpace), where they
   * become permissions of that space: a role entry then names the roles of the new space.
   * So only a caller who may change permissions at the destination may bring them there.
   */
  private async checkEntriesMayMove(tx: Repos, access: Access, actor: Actor, item: ItemRow, dest: ItemRow): Promise<void> {
    if (!(await tx.acl.spaceHasAcl(Number(item.space_id))) || !(await tx.acl.subtreeHasAcl(Number(item.id)))) return;
    if (has(await access.rightsOn(actor, dest), Right.EDIT_PERMISSIONS)) return;
    throw new KuraError('forbidden', 'this item carries access entries, which move with it: only someone who may change permissions in the destination folder may move it into another space');
  }

  /**
   * Copies an item (a folder with its live subtree) into a folder: only what the caller may
   * see, and files only when it may read their content. Metadata only: every copy references
   * the same blobs, but counts fully against the destination's quota.
   */
  async copy(actor: Actor, id: number, destId: number, opts: PlaceOptions = {}): Promise<Item> {
    return this.tx(actor, (tx, access) => this.copyTx(tx, access, actor, id, destId, opts));
  }

  /** Copies several items into one folder in one transaction: all of them, or none. */
  copyMany(actor: Actor, ids: number[], destId: number, opts: Omit<PlaceOptions, 'name'> = {}): Promise<Item[]> {
    return this.allOrNothing(actor, ids, (tx, access, id) => this.copyTx(tx, access, actor, id, destId, opts));
  }

  private async copyTx(tx: Repos, access: Access, actor: Actor, id: number, destId: number, opts: PlaceOptions): Promise<Item> {
    const { item } = await access.item(actor, id, Right.READ_CONTENT);
    const dest = await access.folder(actor, destId, Right.CREATE);
    // A copy writes only to the folder it lands in; the conditions judge the item copied.
    await guardWrite(tx, actor, this.now(), { subject: item, touches: [{ id: destId, spaceId: Number(dest.space_id) }], conditions: opts.conditions });
    await this.checkNotInside(tx, item, dest);
    const name = opts.name === undefined ? item.name : checkName(opts.name);
    const target = await place(tx, destId, name, placePolicy(opts.onConflict), this.now());
    if (target.existing) return this.replaceOnto(tx, access, actor, item, target.existing, false, opts);
    // Only what exists is copied: nothing trashed, expired or pending (visibleSubtree leaves it out).
    const below = item.kind === 'folder' ? await tx.items.subtree(id) : [];
    const { visible, rightsOf } = await access.visibleSubtree(actor, item, below);
    const rows = [item, ...visible.filter((r) => r.kind === 'folder' || has(rightsOf(Number(r.id)), Right.READ_CONTENT))];
    const files = rows.filter((r) => r.kind === 'file');
    const toSpace = Number(dest.space_id);
    await charge(tx, toSpace, combine(...files.map((r) => inCategory(categoryOf(r.mime), Number(r.size), 1))), 'this copy');
    const now = this.now();
    const newIds = new Map<number, number>();
    const refs = new Map<string, number>();
    for (const r of rows) {
      // Every visible row's parent is visible and a folder, so it was copied before it.
      const parent = r === item ? destId : newIds.get(Number(r.parent_id))!;
      const nid = newId();
      newIds.set(Number(r.id), nid);
      await tx.items.insert({
        id: nid,
        space_id: toSpace,
        parent_id: parent,
        name: r === item ? target.name : r.name,
        kind: r.kind,
        system: r.system,
        description: r.description,
        custom_tag: r.custom_tag,
        properties: r.properties,
        created_by: actor.userId,
        created_at: now,
        modified_by: actor.userId,
        modified_at: now,
        size: r.size,
        mime: r.mime,
        category: r.kind === 'file' ? categoryOf(r.mime) : null,
        version: r.kind === 'file' ? 1 : 0,
        blob_hash: r.blob_hash,
        // A copy is read by id as its source is: copying neither widens nor narrows who may.
        public_read: r.kind === 'file' ? Number(r.public_read) : 0,
        expires_at: null,
        trashed_at: null,
        trash_root: null,
      });
      if (r.kind === 'file' && r.blob_hash) {
        await tx.versions.insert({ id: newId(), item_id: nid, number: 1, blob_hash: r.blob_hash, size: Number(r.size), mime: r.mime ?? 'application/octet-stream', category: categoryOf(r.mime), created_by: actor.userId, created_at: now });
        refs.set(r.blob_hash, (refs.get(r.blob_hash) ?? 0) + 1);
      }
    }
    for (const [hash, n] of refs) await tx.blobs.addRefs(hash, n, now);
    return toItem((await tx.items.byId(newIds.get(id)!))!);
  }

  /** Moves an item and its subtree to the trash. Usage stays counted until purged. */
  async trash(actor: Actor, id: number, opts: Guarded = {}): Promise<void> {
    await this.tx(actor, async (tx, access) => {
      const item = await this.takeable(tx, access, actor, id, 'deleted');
      if (await this.guardTaking(tx, actor, item, opts)) await endLocks(tx, id);
      await tx.items.trashSubtree(id, this.now());
    });
  }

  /** The guard of a move to the trash or a deletion: the item with its subtree, and its folder. */
  private guardTaking(tx: Repos, actor: Actor, item: ItemRow, opts: Guarded): Promise<boolean> {
    const spaceId = Number(item.space_id);
    return guardWrite(tx, actor, this.now(), { subject: item, touches: [{ id: Number(item.id), spaceId, tree: true }, { id: Number(item.parent_id), spaceId }], conditions: opts.conditions });
  }

  /**
   * Deletes an item and its subtree for good, past the trash, in one transaction (flat APIs
   * that have no trash: media). The same rights as moving it to the trash. Answers the item
   * as it was. With `within`, an item outside it is not_found.
   */
  async destroy(actor: Actor, id: number, opts: Within & Guarded = {}): Promise<Item> {
    return this.tx(actor, async (tx, access) => {
      const item = await this.takeable(tx, access, actor, id, 'deleted', opts.within);
      // Its locks go with its rows.
      await this.guardTaking(tx, actor, item, opts);
      await purgeTx(tx, item, this.now());
      return toItem(item);
    });
  }

  /** Moves several items to the trash, each on its own (drive `delete_items` lists those deleted). */
  trashMany(actor: Actor, ids: number[], opts: Guarded = {}): Promise<Outcome[]> {
    return eachOnItsOwn(ids, (id) => this.trash(actor, id, opts));
  }
}
