import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { categoryOf } from '../domain.js';
import { KuraError } from '../errors.js';
import { endLocks, guardWrite, type Guarded } from '../guard/guard.js';
import { newId } from '../ids.js';
import { checkName } from '../names.js';
import type { ItemRow, Repos } from '../ports/index.js';
import { has, Right } from '../rights.js';
import { charge, combine, credit, inCategory, ofSubtree } from '../usage/ledger.js';
import { place, type PlaceConflict } from './placement.js';
import { replaceTx } from './replace.js';
import { takeable } from './taking.js';
import { toItem, type Item } from './view.js';

/* Moves and copies of one item (with its subtree) into a folder, in the caller's transaction. */

export interface PlaceOptions extends Guarded {
  name?: unknown;
  /** `version` counts as `fail` here; `replace` gives an existing file of the name new content (core/items/replace.ts). */
  onConflict?: PlaceConflict;
}

/** A move's or copy's policy for place(): `version` is an upload's choice and fails here. */
const placePolicy = (c: PlaceConflict | undefined): PlaceConflict => (c === undefined || c === 'version' ? 'fail' : c);

/** The clock, and KURA_VERSION_CAP for the versions `replace` adds. */
export interface PlaceEnv {
  now: () => number;
  versionCap: number;
}

/** Moves an item (with its subtree) into another folder, possibly in another space. */
export async function moveTx(tx: Repos, access: Access, actor: Actor, id: number, destId: number, opts: PlaceOptions, env: PlaceEnv): Promise<Item> {
  const { now } = env;
  const item = await takeable(tx, access, actor, id, 'moved');
  const dest = await access.folder(actor, destId, Right.CREATE);
  const anyLocks = await guardWrite(tx, actor, now(), {
    subject: item,
    touches: [
      { id, spaceId: Number(item.space_id), tree: true },
      { id: Number(item.parent_id), spaceId: Number(item.space_id) },
      { id: destId, spaceId: Number(dest.space_id) },
    ],
    conditions: opts.conditions,
  });
  await checkNotInside(tx, item, dest);
  const name = opts.name === undefined ? item.name : checkName(opts.name);
  const target = await place(tx, destId, name, placePolicy(opts.onConflict), now(), id);
  if (target.existing) return replaceOnto(tx, access, actor, item, target.existing, true, opts, env);
  const fromSpace = Number(item.space_id);
  const toSpace = Number(dest.space_id);
  if (fromSpace !== toSpace) {
    await checkEntriesMayMove(tx, access, actor, item, dest);
    const usage = ofSubtree(await tx.items.subtreeUsage(id));
    // Space rows are always taken in id order, so two opposite moves cannot deadlock.
    if (fromSpace < toSpace) await credit(tx, fromSpace, usage);
    await charge(tx, toSpace, usage, 'this move');
    if (fromSpace > toSpace) await credit(tx, fromSpace, usage);
    await tx.items.setSubtreeSpace(id, toSpace);
  }
  // The locks on what moves end with its place (their tokens were needed for the move).
  if (anyLocks) await endLocks(tx, id);
  await tx.items.update(id, { parent_id: destId, name: target.name, modified_by: actor.userId, modified_at: now() });
  return toItem((await tx.items.byId(id))!);
}

/**
 * Copies an item (a folder with its live subtree) into a folder: only what the caller may
 * see, and files only when it may read their content. Metadata only: every copy references
 * the same blobs, but counts fully against the destination's quota.
 */
export async function copyTx(tx: Repos, access: Access, actor: Actor, id: number, destId: number, opts: PlaceOptions, env: PlaceEnv): Promise<Item> {
  const { item } = await access.item(actor, id, Right.READ_CONTENT);
  const dest = await access.folder(actor, destId, Right.CREATE);
  // A copy writes only to the folder it lands in; the conditions judge the item copied.
  await guardWrite(tx, actor, env.now(), { subject: item, touches: [{ id: destId, spaceId: Number(dest.space_id) }], conditions: opts.conditions });
  await checkNotInside(tx, item, dest);
  const name = opts.name === undefined ? item.name : checkName(opts.name);
  const target = await place(tx, destId, name, placePolicy(opts.onConflict), env.now());
  if (target.existing) return replaceOnto(tx, access, actor, item, target.existing, false, opts, env);
  // Only what exists is copied: nothing trashed, expired or pending (visibleSubtree leaves it out).
  const below = item.kind === 'folder' ? await tx.items.subtree(id) : [];
  const { visible, rightsOf } = await access.visibleSubtree(actor, item, below);
  const rows = [item, ...visible.filter((r) => r.kind === 'folder' || has(rightsOf(Number(r.id)), Right.READ_CONTENT))];
  const files = rows.filter((r) => r.kind === 'file');
  const toSpace = Number(dest.space_id);
  await charge(tx, toSpace, combine(...files.map((r) => inCategory(categoryOf(r.mime), Number(r.size), 1))), 'this copy');
  const now = env.now();
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
  // Properties clients keep on items (WebDAV dead properties) go with the copy.
  await tx.deadProps.copy([...newIds].map(([from, to]) => ({ from, to })));
  return toItem((await tx.items.byId(newIds.get(id)!))!);
}

/**
 * `item` onto the existing file `onto` as its new version (replace.ts): a content write to
 * that file, so its locks are judged too (the held tokens of the move or copy).
 */
async function replaceOnto(tx: Repos, access: Access, actor: Actor, item: ItemRow, onto: ItemRow, move: boolean, opts: PlaceOptions, { now, versionCap }: PlaceEnv): Promise<Item> {
  await guardWrite(tx, actor, now(), { touches: [{ id: Number(onto.id), spaceId: Number(onto.space_id) }], conditions: { lockTokens: opts.conditions?.lockTokens } });
  return toItem(await replaceTx(tx, access, actor, item, onto, { move, now: now(), versionCap }));
}

/** Refuses a destination that is the item itself or lies below it. */
async function checkNotInside(tx: Repos, item: ItemRow, dest: ItemRow): Promise<void> {
  if (item.kind !== 'folder') return;
  if (Number(dest.id) === Number(item.id) || (await tx.items.ancestorIds(Number(dest.id))).includes(Number(item.id))) {
    throw new KuraError('conflict', 'a folder cannot go inside itself');
  }
}

/**
 * Access entries go with their items into the other space (setSubtreeSpace), where they
 * become permissions of that space: a role entry then names the roles of the new space.
 * So only a caller who may change permissions at the destination may bring them there.
 */
async function checkEntriesMayMove(tx: Repos, access: Access, actor: Actor, item: ItemRow, dest: ItemRow): Promise<void> {
  if (!(await tx.acl.spaceHasAcl(Number(item.space_id))) || !(await tx.acl.subtreeHasAcl(Number(item.id)))) return;
  if (has(await access.rightsOn(actor, dest), Right.EDIT_PERMISSIONS)) return;
  throw new KuraError('forbidden', 'this item carries access entries, which move with it: only someone who may change permissions in the destination folder may move it into another space');
}
