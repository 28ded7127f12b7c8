import type { Kysely } from 'kysely';
import type { Db, Schema } from '../../store/schema.js';
import { releaseBlob } from '../../store/repos/blobs.js';
import { deleteSubtree, itemById, subtreeBlobRefs, subtreeUsage, trashTops, untrash, updateItem, type ItemRow } from '../../store/repos/items.js';
import { releaseUsage, spaceById } from '../../store/repos/spaces.js';
import { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { KuraError } from '../errors.js';
import { place } from '../items/placement.js';
import { toItem, type Item } from '../items/view.js';
import { has, Right } from '../rights.js';

/**
 * The recycle bin of a space. Deleting puts a subtree in the trash (it keeps counting
 * against the quota); restoring takes it back — into the space root if its folder is gone,
 * renamed `name (1)` if its name was taken meanwhile; purging deletes it for good, gives its
 * usage back and drops its blob references (GC removes the bytes).
 */
export class TrashService {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly access: Access,
    private readonly now: () => number,
  ) {}

  /** Trashed items of a space the caller may see (tops of trashed subtrees), newest first. */
  async list(actor: Actor, spaceId: number): Promise<Item[]> {
    const space = await spaceById(this.db, spaceId);
    if (!space || space.root_id === null) throw new KuraError('not_found', 'space not found');
    const out: Item[] = [];
    for (const row of await trashTops(this.db, spaceId)) {
      if (has(await this.access.rightsOn(actor, row), Right.READ_ATTRS)) out.push(toItem(row));
    }
    if (out.length === 0 && !has(await this.access.rightsOn(actor, { id: Number(space.root_id), space_id: spaceId, parent_id: null }), Right.READ_ATTRS)) {
      throw new KuraError('not_found', 'space not found');
    }
    return out;
  }

  async restore(actor: Actor, id: number): Promise<Item> {
    return this.db.transaction().execute(async (trx) => {
      const access = new Access(trx);
      const item = await this.trashedIn(trx, access, actor, id);
      const space = await spaceById(trx, Number(item.space_id));
      let parentId = Number(item.parent_id);
      const parent = await itemById(trx, parentId);
      if (!parent || parent.trashed_at !== null || Number(parent.space_id) !== Number(item.space_id)) parentId = Number(space!.root_id);
      const target = await place(trx, parentId, item.name, 'rename', id);
      await untrash(trx, id);
      await updateItem(trx, id, { parent_id: parentId, name: target.name, modified_by: actor.userId, modified_at: this.now() });
      return toItem((await itemById(trx, id))!);
    });
  }

  /** Deletes one trashed subtree for good. */
  async purge(actor: Actor, id: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const item = await this.trashedIn(trx, new Access(trx), actor, id);
      await this.purgeTx(trx, item);
    });
  }

  /** Empties the trash of a space (the items the caller may delete). Returns how many. */
  async clear(actor: Actor, spaceId: number): Promise<number> {
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

  /** A top-level trashed item the caller may delete (restore and purge need DELETE). */
  private async trashedIn(trx: Db, access: Access, actor: Actor, id: number): Promise<ItemRow> {
    const item = await itemById(trx, id);
    if (!item || Number(item.trash_root) !== Number(item.id)) throw new KuraError('not_found', 'no such item in the trash');
    const rights = await access.rightsOn(actor, item);
    if (!has(rights, Right.READ_ATTRS)) throw new KuraError('not_found', 'no such item in the trash');
    if (!has(rights, Right.DELETE)) throw new KuraError('forbidden', 'you may not restore or purge this item');
    return item;
  }

  private async purgeTx(trx: Db, item: ItemRow): Promise<void> {
    const id = Number(item.id);
    const now = this.now();
    const usage = await subtreeUsage(trx, id);
    for (const r of await subtreeBlobRefs(trx, id)) await releaseBlob(trx, r.hash, r.n, now);
    await deleteSubtree(trx, id);
    await releaseUsage(trx, Number(item.space_id), usage.bytes, usage.files);
  }
}
