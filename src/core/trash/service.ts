import { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { KuraError } from '../errors.js';
import { assertWriter, guardWrite, type Guarded } from '../guard/guard.js';
import { eachOnItsOwn, type Outcome } from '../items/outcome.js';
import { place } from '../items/placement.js';
import { exists } from '../items/visibility.js';
import { toItem, type Item } from '../items/view.js';
import type { ItemRow, MetadataStore, Repos } from '../ports/index.js';
import { has, Right } from '../rights.js';
import { credit, ofSubtree } from '../usage/ledger.js';

/**
 * The recycle bin of a space. Deleting puts a subtree in the trash (it keeps counting
 * against the quota); restoring takes it back — into the space root if its folder is gone,
 * renamed `name (1)` if its name was taken meanwhile; purging deletes it for good, gives its
 * usage back and drops its blob references (GC removes the bytes).
 */
export class TrashService {
  constructor(
    private readonly store: MetadataStore,
    private readonly access: Access,
    private readonly now: () => number,
  ) {}

  /** Trashed items of a space that exist (unexpired) and the caller may see (tops of trashed subtrees), newest first. */
  async list(actor: Actor, spaceId: number): Promise<Item[]> {
    const space = await this.store.spaces.byId(spaceId);
    if (!space || space.root_id === null) throw new KuraError('not_found', 'space not found');
    const out: Item[] = [];
    for (const row of await this.store.items.trashTops(spaceId, this.now())) {
      if (has(await this.access.rightsOn(actor, row), Right.READ_ATTRS)) out.push(toItem(row));
    }
    if (out.length === 0 && !has(await this.access.rightsOn(actor, { id: Number(space.root_id), space_id: spaceId, parent_id: null }), Right.READ_ATTRS)) {
      throw new KuraError('not_found', 'space not found');
    }
    return out;
  }

  async restore(actor: Actor, id: number, opts: Guarded = {}): Promise<Item> {
    assertWriter(actor);
    return this.store.transaction(async (tx) => {
      const item = await this.trashedIn(tx, new Access(tx, this.now), actor, id);
      const space = await tx.spaces.byId(Number(item.space_id));
      let parentId = Number(item.parent_id);
      const parent = await tx.items.byId(parentId);
      if (!parent || !exists(parent, { now: this.now() }) || Number(parent.space_id) !== Number(item.space_id)) parentId = Number(space!.root_id);
      // Coming back is a new member of the folder it returns to.
      await guardWrite(tx, actor, this.now(), { subject: item, touches: [{ id: parentId, spaceId: Number(item.space_id) }], conditions: opts.conditions });
      const target = await place(tx, parentId, item.name, 'rename', this.now(), id);
      await tx.items.untrash(id);
      await tx.items.update(id, { parent_id: parentId, name: target.name, modified_by: actor.userId, modified_at: this.now() });
      return toItem((await tx.items.byId(id))!);
    });
  }

  /** Restores several items, each on its own (drive `recycle/reduction` lists those restored). */
  restoreMany(actor: Actor, ids: number[], opts: Guarded = {}): Promise<Outcome<Item>[]> {
    return eachOnItsOwn(ids, (id) => this.restore(actor, id, opts));
  }

  /** Deletes one trashed subtree for good. */
  async purge(actor: Actor, id: number): Promise<void> {
    assertWriter(actor);
    await this.store.transaction(async (tx) => {
      const item = await this.trashedIn(tx, new Access(tx, this.now), actor, id);
      await this.purgeTx(tx, item);
    });
  }

  /** Empties the trash of a space (the items the caller may delete). Returns how many. */
  async clear(actor: Actor, spaceId: number): Promise<number> {
    assertWriter(actor);
    const items = await this.list(actor, spaceId);
    let n = 0;
    for (const it of items) {
      try {
        await this.purge(actor, it.id);
        n++;
      } catch (e) {
        if (!(e instanceof KuraError) || (e.code !== 'forbidden' && e.code !== 'not_found')) throw e;
      }
    }
    return n;
  }

  /** A top-level trashed item, unexpired, the caller may delete (restore and purge need DELETE). */
  private async trashedIn(tx: Repos, access: Access, actor: Actor, id: number): Promise<ItemRow> {
    const item = await tx.items.byId(id);
    if (!item || Number(item.trash_root) !== Number(item.id) || !exists(item, { now: this.now(), trash: true })) throw new KuraError('not_found', 'no such item in the trash');
    const rights = await access.rightsOn(actor, item);
    if (!has(rights, Right.READ_ATTRS)) throw new KuraError('not_found', 'no such item in the trash');
    if (!has(rights, Right.DELETE)) throw new KuraError('forbidden', 'you may not restore or purge this item');
    return item;
  }

  private purgeTx(tx: Repos, item: ItemRow): Promise<void> {
    return purgeTx(tx, item, this.now());
  }
}

/**
 * Deletes a subtree for good inside `tx` (items trashed earlier inside it included): gives
 * its usage back and drops its blob references (GC removes the bytes).
 */
export async function purgeTx(tx: Repos, item: Pick<ItemRow, 'id' | 'space_id'>, now: number): Promise<void> {
  const id = Number(item.id);
  const usage = ofSubtree(await tx.items.subtreeUsage(id));
  for (const r of await tx.items.subtreeBlobRefs(id)) await tx.blobs.release(r.hash, r.n, now);
  await tx.items.deleteSubtree(id);
  await credit(tx, Number(item.space_id), usage);
}
