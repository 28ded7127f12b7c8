import { guardWrite } from '../guard/guard.js';
import { purgeExpiredTx } from '../storage/expiry.js';
import { isExpired } from './visibility.js';
import type { Access } from '../access.js';
import { ensureUserEntryTx } from '../acl/service.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { newId } from '../ids.js';
import { checkName } from '../names.js';
import type { ItemRow, Repos } from '../ports/index.js';
import { Right } from '../rights.js';

/** Most folders one path may name. */
export const MAX_PATH_DEPTH = 32;

export interface EnsureFoldersOptions {
  /** Folders made here are system folders (a face's own places, e.g. OneBot's). */
  system?: boolean;
  /**
   * An access entry for this user on the last folder, added when the user has none there
   * (an entry already there is never changed). Needs EDIT_PERMISSIONS on that folder.
   */
  grant?: { userId: number; mask: number };
}

/** Checks the names of a path before any transaction: 1 to MAX_PATH_DEPTH valid names. */
export function checkPath(names: readonly unknown[]): string[] {
  if (!Array.isArray(names) || names.length === 0 || names.length > MAX_PATH_DEPTH) throw badRequest(`a folder path names 1 to ${MAX_PATH_DEPTH} folders`);
  return names.map((n, i) => checkName(n, `folder name ${i + 1}`));
}

/**
 * Finds or makes each folder of `names` in turn below `parentId`, inside the caller's
 * transaction, and answers the last. An existing folder of the path must be one the caller
 * may see; a folder is made where none is, with CREATE on its parent. A name taken by a
 * file is name_conflict. Races are judged by the unique index on live names: of two calls
 * making the same folder, one inserts it and the other (waiting for it) finds it.
 */
export async function ensureFoldersTx(tx: Repos, access: Access, actor: Actor, parentId: number, names: string[], opts: EnsureFoldersOptions, now: number): Promise<ItemRow> {
  let at = await access.folder(actor, parentId, Right.READ_ATTRS);
  for (const name of names) {
    let found = await tx.items.liveChildByName(Number(at.id), name);
    // An expired item holding the name is gone (the existence rule): purged here, as place() does.
    if (found && isExpired(found, now)) {
      await purgeExpiredTx(tx, [Number(found.id)], now);
      found = await tx.items.liveChildByName(Number(at.id), name);
    }
    if (!found) {
      await access.folder(actor, Number(at.id), Right.CREATE);
      // A new member of a folder: its locks (and a read-only caller) are judged first.
      await guardWrite(tx, actor, now, { touches: [{ id: Number(at.id), spaceId: Number(at.space_id) }] });
      await tx.items.insertFolderIfFree({ id: newId(), spaceId: Number(at.space_id), parentId: Number(at.id), name, by: actor.userId, at: now, system: opts.system });
      // Ours, or the one a racing call made first.
      found = await tx.items.liveChildByName(Number(at.id), name);
      if (!found) throw new KuraError('conflict', `the folder "${name}" was removed while it was being made; try again`);
    }
    if (found.kind !== 'folder') throw new KuraError('name_conflict', `a file named "${name}" is where a folder of this path should be`, { name });
    at = await access.folder(actor, Number(found.id), Right.READ_ATTRS);
  }
  if (opts.grant) await ensureUserEntryTx(tx, actor, Number(at.id), opts.grant.userId, opts.grant.mask, now);
  return at;
}
