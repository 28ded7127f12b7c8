import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { endLocks, guardWrite, type Guarded } from '../guard/guard.js';
import { checkName } from '../names.js';
import type { Repos } from '../ports/index.js';
import { has, Right } from '../rights.js';
import { place } from './placement.js';
import type { Within } from './scope.js';
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

function text(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string') throw badRequest(`${field} must be a string`, { field });
  if (v.length > max) throw badRequest(`${field} is longer than ${max} characters`, { field });
  return v;
}

/**
 * Renames and edits descriptive fields, in the caller's transaction. Name changes need
 * EDIT_BASIC, properties EDIT_EXTENDED, the public flag SHARE. With `within`, an item
 * outside it is not_found.
 */
export async function editTx(tx: Repos, access: Access, actor: Actor, id: number, patch: MetaPatch, opts: Within & Guarded, now: () => number): Promise<Item> {
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
  const anyLocks = await guardWrite(tx, actor, now(), { subject: item, touches, conditions: opts.conditions });
  if (renamed) await place(tx, Number(item.parent_id), set.name!, 'fail', now(), id);
  if (edited) {
    set.modified_by = actor.userId;
    set.modified_at = now();
  }
  await tx.items.update(id, set);
  if (renamed && anyLocks) await endLocks(tx, id);
  return toItem((await tx.items.byId(id))!);
}
