import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import type { ItemRow, Repos } from '../ports/index.js';
import { has, Right } from '../rights.js';
import { purgeTx } from '../trash/service.js';
import { addVersionTx } from './versions.js';

export interface ReplaceOptions {
  /** A move: the source goes away afterwards. A copy leaves it. */
  move: boolean;
  now: number;
  /** KURA_VERSION_CAP (0: no cap). */
  versionCap: number;
}

/**
 * Whether a moved file holds anything that would be lost if it were deleted for good once
 * its content lives on as the destination's newest version: older versions, descriptive
 * fields, or anything that refers to it (shares, favourites, pins, access entries).
 */
async function holdsMore(tx: Repos, source: ItemRow): Promise<boolean> {
  if (source.description !== '' || source.custom_tag !== '' || (source.properties !== '{}' && source.properties !== '')) return true;
  if ((await tx.versions.ofItem(Number(source.id))).length > 1) return true;
  return tx.items.isReferenced(Number(source.id));
}

/**
 * The `replace` policy of a move or copy onto the live file `existing` of the same name
 * (decisions/0036): the destination stays what it is (id, shares, access entries,
 * favourites, history) and gets a new version whose content is the source's current
 * content (one more reference to the same blob, no bytes copied), authored by the caller
 * and counted against its space's quota like any version. It needs EDIT_BASIC on the
 * destination (besides what the move or copy needs); a destination the caller may not
 * see is a name clash, as with `fail`. A folder never replaces anything (nor is replaced:
 * place() refuses that). For a move the source then goes: deleted for good when nothing of
 * it would be lost (one version, no descriptive fields, nothing referring to it), else to
 * the trash, where it can be restored. Answers the destination as it now is.
 */
export async function replaceTx(tx: Repos, access: Access, actor: Actor, source: ItemRow, existing: ItemRow, opts: ReplaceOptions): Promise<ItemRow> {
  if (source.kind !== 'file' || !source.blob_hash) throw new KuraError('name_conflict', `an item named "${existing.name}" already exists here, and only a file replaces a file`, { name: existing.name });
  if (Number(source.id) === Number(existing.id)) throw badRequest('a file cannot replace itself');
  const rights = await access.rightsOn(actor, existing);
  if (!has(rights, Right.READ_ATTRS)) throw new KuraError('name_conflict', `an item named "${existing.name}" already exists here`, { name: existing.name });
  if (!has(rights, Right.EDIT_BASIC)) throw new KuraError('forbidden', `you may not add versions to "${existing.name}", so it cannot be replaced`);
  const hash = source.blob_hash;
  const content = { hash, size: Number(source.size), mime: source.mime ?? 'application/octet-stream' };
  const addVersion = () => addVersionTx(tx, existing, content, actor.userId, opts.now, opts.versionCap, () => tx.blobs.addRefs(hash, 1, opts.now));
  if (!opts.move) return addVersion();
  if (await holdsMore(tx, source)) {
    await tx.items.trashSubtree(Number(source.id), opts.now);
    return addVersion();
  }
  // Space rows are taken in id order (as moves do), so two opposite replaces cannot deadlock;
  // within one space the source's bytes are given back before the version is charged.
  if (Number(source.space_id) <= Number(existing.space_id)) {
    await purgeTx(tx, source, opts.now);
    return addVersion();
  }
  const row = await addVersion();
  await purgeTx(tx, source, opts.now);
  return row;
}
