import { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { runClaimingTx } from '../storage/refs.js';
import { badRequest } from '../errors.js';
import { assertWriter, endLocks, guardWrite, type Guarded } from '../guard/guard.js';
import { newId } from '../ids.js';
import { checkName } from '../names.js';
import type { MetadataStore, Repos } from '../ports/index.js';
import { Right } from '../rights.js';
import { purgeTx } from '../trash/service.js';
import { editTx, type MetaPatch } from './edits.js';
import { checkPath, ensureFoldersTx, type EnsureFoldersOptions } from './folder-path.js';
import { copyTx, moveTx, type PlaceEnv, type PlaceOptions } from './move-copy.js';
import { eachOnItsOwn, type Outcome } from './outcome.js';
import { place, type OnConflict } from './placement.js';
import type { Within } from './scope.js';
import { guardTaking, takeable } from './taking.js';
import { toItem, type Item } from './view.js';

export type { MetaPatch } from './edits.js';
export type { PlaceOptions } from './move-copy.js';

export interface FolderTree {
  id: number;
  name: string;
  children: FolderTree[];
}

function checkBatch(ids: number[]): void {
  if (ids.length === 0 || ids.length > 1000) throw badRequest('give 1 to 1000 items');
}

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

  /** The clock and version cap moves and copies use (move-copy.ts). */
  private get env(): PlaceEnv {
    return { now: this.now, versionCap: this.versionCap };
  }

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
    return this.tx(actor, (tx, access) => editTx(tx, access, actor, id, patch, opts, this.now));
  }

  /** Updates several items, each on its own (drive `update_items` lists those updated). */
  updateMany(actor: Actor, patches: { id: number; patch: MetaPatch }[], opts: Guarded = {}): Promise<Outcome<Item>[]> {
    const byId = new Map(patches.map((p) => [p.id, p.patch]));
    return eachOnItsOwn([...byId.keys()], (id) => this.update(actor, id, byId.get(id)!, opts));
  }

  /** Moves an item (with its subtree) into another folder, possibly in another space. */
  async move(actor: Actor, id: number, destId: number, opts: PlaceOptions = {}): Promise<Item> {
    return this.tx(actor, (tx, access) => moveTx(tx, access, actor, id, destId, opts, this.env));
  }

  /** Moves several items into one folder in one transaction: all of them, or none. */
  moveMany(actor: Actor, ids: number[], destId: number, opts: Omit<PlaceOptions, 'name'> = {}): Promise<Item[]> {
    return this.allOrNothing(actor, ids, (tx, access, id) => moveTx(tx, access, actor, id, destId, opts, this.env));
  }

  /**
   * Copies an item (a folder with its live subtree) into a folder: only what the caller may
   * see, and files only when it may read their content. Metadata only: every copy references
   * the same blobs, but counts fully against the destination's quota.
   */
  async copy(actor: Actor, id: number, destId: number, opts: PlaceOptions = {}): Promise<Item> {
    return this.tx(actor, (tx, access) => copyTx(tx, access, actor, id, destId, opts, this.env));
  }

  /** Copies several items into one folder in one transaction: all of them, or none. */
  copyMany(actor: Actor, ids: number[], destId: number, opts: Omit<PlaceOptions, 'name'> = {}): Promise<Item[]> {
    return this.allOrNothing(actor, ids, (tx, access, id) => copyTx(tx, access, actor, id, destId, opts, this.env));
  }

  /** Moves an item and its subtree to the trash. Usage stays counted until purged. */
  async trash(actor: Actor, id: number, opts: Guarded = {}): Promise<void> {
    await this.tx(actor, async (tx, access) => {
      const item = await takeable(tx, access, actor, id, 'deleted');
      if (await guardTaking(tx, actor, item, opts, this.now)) await endLocks(tx, id);
      await tx.items.trashSubtree(id, this.now());
    });
  }

  /**
   * Deletes an item and its subtree for good, past the trash, in one transaction (flat APIs
   * that have no trash: media). The same rights as moving it to the trash. Answers the item
   * as it was. With `within`, an item outside it is not_found.
   */
  async destroy(actor: Actor, id: number, opts: Within & Guarded = {}): Promise<Item> {
    return this.tx(actor, async (tx, access) => {
      const item = await takeable(tx, access, actor, id, 'deleted', opts.within);
      // Its locks go with its rows.
      await guardTaking(tx, actor, item, opts, this.now);
      await purgeTx(tx, item, this.now());
      return toItem(item);
    });
  }

  /** Moves several items to the trash, each on its own (drive `delete_items` lists those deleted). */
  trashMany(actor: Actor, ids: number[], opts: Guarded = {}): Promise<Outcome[]> {
    return eachOnItsOwn(ids, (id) => this.trash(actor, id, opts));
  }
}
