import type { Kysely } from 'kysely';
import type { Db, Schema } from '../../store/schema.js';
import { addRefs } from '../../store/repos/blobs.js';
import { ancestorIds, insertFolder, insertItem, itemById, subtree, subtreeUsage, trashSubtree, updateItem, type ItemRow } from '../../store/repos/items.js';
import { releaseUsage, reserveUsage } from '../../store/repos/spaces.js';
import { insertVersion } from '../../store/repos/versions.js';
import { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { runClaimingTx } from '../blobs/refs.js';
import { badRequest, KuraError } from '../errors.js';
import { newId } from '../ids.js';
import { checkName } from '../names.js';
import { Right } from '../rights.js';
import { place, type OnConflict } from './placement.js';
import { toItem, type Item } from './view.js';

export interface MetaPatch {
  name?: unknown;
  description?: unknown;
  customTag?: unknown;
  properties?: unknown;
  system?: unknown;
}

export interface FolderTree {
  id: number;
  name: string;
  children: FolderTree[];
}

function text(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string') throw badRequest(`${field} must be a string`, { field });
  if (v.length > max) throw badRequest(`${field} is longer than ${max} characters`, { field });
  return v;
}

/** Folder creation, rename and metadata edits, move, copy and delete (to the trash). */
export class ChangeService {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly now: () => number,
  ) {}

  private tx<T>(fn: (trx: Db, access: Access) => Promise<T>): Promise<T> {
    return runClaimingTx(this.db, (trx) => fn(trx, new Access(trx)));
  }

  async createFolder(actor: Actor, parentId: number, rawName: unknown, opts: { onConflict?: OnConflict; system?: boolean } = {}): Promise<Item> {
    const name = checkName(rawName);
    const policy = opts.onConflict === 'version' ? 'fail' : (opts.onConflict ?? 'fail');
    return this.tx(async (trx, access) => {
      const parent = await access.folder(actor, parentId, Right.CREATE);
      const target = await place(trx, parentId, name, policy);
      const now = this.now();
      const id = newId();
      await insertFolder(trx, { id, spaceId: Number(parent.space_id), parentId, name: target.name, by: actor.userId, at: now, system: opts.system });
      return toItem((await itemById(trx, id))!);
    });
  }

  /**
   * Creates a whole folder tree under `parentId` in one transaction: all of it or nothing.
   * Returns the created tree (ids and names). At most 1000 folders, 32 levels.
   */
  async createTree(actor: Actor, parentId: number, tree: unknown): Promise<FolderTree> {
    let count = 0;
    const check = (node: unknown, path: string, depth: number): { name: string; children: unknown[] } => {
      if (!node || typeof node !== 'object' || Array.isArray(node)) throw badRequest(`${path} must be an object with Name and optional Children`, { path });
      const n = node as { Name?: unknown; Children?: unknown };
      if (++count > 1000) throw badRequest('a folder tree holds at most 1000 folders');
      if (depth > 32) throw badRequest('a folder tree is at most 32 levels deep', { path });
      const name = checkName(n.Name, `${path}.Name`);
      if (n.Children !== undefined && n.Children !== null && !Array.isArray(n.Children)) throw badRequest(`${path}.Children must be an array`, { path });
      const children = (n.Children as unknown[] | undefined) ?? [];
      children.forEach((c, i) => check(c, `${path}.Children[${i}]`, depth + 1));
      return { name, children };
    };
    check(tree, 'Data', 0);
    return this.tx(async (trx, access) => {
      const parent = await access.folder(actor, parentId, Right.CREATE);
      const now = this.now();
      const make = async (node: unknown, under: number): Promise<FolderTree> => {
        const n = node as { Name: string; Children?: unknown[] };
        const name = checkName(n.Name);
        await place(trx, under, name, 'fail');
        const id = newId();
        await insertFolder(trx, { id, spaceId: Number(parent.space_id), parentId: under, name, by: actor.userId, at: now });
        const children: FolderTree[] = [];
        for (const c of n.Children ?? []) children.push(await make(c, id));
        return { id, name, children };
      };
      return make(tree, parentId);
    });
  }

  /** Renames and edits descriptive fields. Name changes need EDIT_BASIC, properties EDIT_EXTENDED. */
  async update(actor: Actor, id: number, patch: MetaPatch): Promise<Item> {
    return this.tx(async (trx, access) => {
      const { item } = await access.item(actor, id, Right.READ_ATTRS);
      const rights = await access.rightsOn(actor, item);
      const set: Parameters<typeof updateItem>[2] = {};
      const need = (right: number) => {
        if ((rights & right) !== right) throw new KuraError('forbidden', 'you may not edit this item');
      };
      if (patch.name !== undefined) {
        need(Right.EDIT_BASIC);
        const name = checkName(patch.name);
        if (item.parent_id === null) throw badRequest('the root folder of a space is renamed with the space');
        if (name !== item.name) await place(trx, Number(item.parent_id), name, 'fail', id);
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
      if (Object.keys(set).length === 0) throw badRequest('nothing to change');
      set.modified_by = actor.userId;
      set.modified_at = this.now();
      await updateItem(trx, id, set);
      return toItem((await itemById(trx, id))!);
    });
  }

  /** Refuses a destination that is the item itself or lies below it. */
  private async checkNotInside(trx: Db, item: ItemRow, dest: ItemRow): Promise<void> {
    if (item.kind !== 'folder') return;
    if (Number(dest.id) === Number(item.id) || (await ancestorIds(trx, Number(dest.id))).includes(Number(item.id))) {
      throw new KuraError('conflict', 'a folder cannot go inside itself');
    }
  }

  /** Moves an item (with its subtree) into another folder, possibly in another space. */
  async move(actor: Actor, id: number, destId: number, opts: { name?: unknown; onConflict?: OnConflict } = {}): Promise<Item> {
    return this.tx(async (trx, access) => {
      const { item } = await access.item(actor, id, Right.DELETE);
      if (item.parent_id === null) throw badRequest('the root folder of a space cannot move');
      const dest = await access.folder(actor, destId, Right.CREATE);
      await this.checkNotInside(trx, item, dest);
      const name = opts.name === undefined ? item.name : checkName(opts.name);
      const policy = opts.onConflict === 'version' ? 'fail' : (opts.onConflict ?? 'fail');
      const target = await place(trx, destId, name, policy, id);
      const fromSpace = Number(item.space_id);
      const toSpace = Number(dest.space_id);
      if (fromSpace !== toSpace) {
        const usage = await subtreeUsage(trx, id);
        if (!(await reserveUsage(trx, toSpace, usage.bytes, usage.files))) throw new KuraError('quota_exceeded', 'the destination space quota does not allow this move', usage);
        await releaseUsage(trx, fromSpace, usage.bytes, usage.files);
        const ids = [id, ...(await subtree(trx, id)).map((r) => Number(r.id))];
        for (let i = 0; i < ids.length; i += 500) {
          await trx.updateTable('items').set({ space_id: toSpace }).where('id', 'in', ids.slice(i, i + 500)).execute();
        }
      }
      await updateItem(trx, id, { parent_id: destId, name: target.name, modified_by: actor.userId, modified_at: this.now() });
      return toItem((await itemById(trx, id))!);
    });
  }

  /**
   * Copies an item (a folder with its live subtree) into a folder. Metadata only: every copy
   * references the same blobs, but counts fully against the destination's quota.
   */
  async copy(actor: Actor, id: number, destId: number, opts: { name?: unknown; onConflict?: OnConflict } = {}): Promise<Item> {
    return this.tx(async (trx, access) => {
      const { item } = await access.item(actor, id, Right.READ_CONTENT);
      const dest = await access.folder(actor, destId, Right.CREATE);
      await this.checkNotInside(trx, item, dest);
      const name = opts.name === undefined ? item.name : checkName(opts.name);
      const policy = opts.onConflict === 'version' ? 'fail' : (opts.onConflict ?? 'fail');
      const target = await place(trx, destId, name, policy);
      const rows = [item, ...(item.kind === 'folder' ? (await subtree(trx, id)).filter((r) => r.trashed_at === null) : [])];
      const files = rows.filter((r) => r.kind === 'file');
      const bytes = files.reduce((a, r) => a + Number(r.size), 0);
      const toSpace = Number(dest.space_id);
      if (!(await reserveUsage(trx, toSpace, bytes, files.length))) throw new KuraError('quota_exceeded', 'the destination space quota does not allow this copy', { bytes, files: files.length });
      const now = this.now();
      const newIds = new Map<number, number>();
      const refs = new Map<string, number>();
      for (const r of rows) {
        const nid = newId();
        newIds.set(Number(r.id), nid);
        const isTop = r === item;
        await insertItem(trx, {
          id: nid,
          space_id: toSpace,
          parent_id: isTop ? destId : newIds.get(Number(r.parent_id))!,
          name: isTop ? target.name : r.name,
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
          version: r.kind === 'file' ? 1 : 0,
          blob_hash: r.blob_hash,
          expires_at: null,
          trashed_at: null,
          trash_root: null,
        });
        if (r.kind === 'file' && r.blob_hash) {
          await insertVersion(trx, { id: newId(), item_id: nid, number: 1, blob_hash: r.blob_hash, size: Number(r.size), mime: r.mime ?? 'application/octet-stream', created_by: actor.userId, created_at: now });
          refs.set(r.blob_hash, (refs.get(r.blob_hash) ?? 0) + 1);
        }
      }
      for (const [hash, n] of refs) await addRefs(trx, hash, n, now);
      return toItem((await itemById(trx, newIds.get(id)!))!);
    });
  }

  /** Moves an item and its subtree to the trash. Usage stays counted until purged. */
  async trash(actor: Actor, id: number): Promise<void> {
    await this.tx(async (trx, access) => {
      const { item } = await access.item(actor, id, Right.DELETE);
      if (item.parent_id === null) throw badRequest('the root folder of a space cannot be deleted');
      await trashSubtree(trx, id, this.now());
    });
  }
}
