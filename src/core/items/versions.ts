import { categoryOf } from '../domain.js';
import { newId } from '../ids.js';
import type { ItemRow, Repos } from '../ports/index.js';
import { charge, combine, credit, inCategory } from '../usage/ledger.js';

/** Content a new version names: bytes already in the blob store under `hash`. */
export interface VersionContent {
  hash: string;
  size: number;
  mime: string;
}

/**
 * Adds a version to a file inside `tx`, the one way every write path does it (uploads, a
 * move or copy that replaces a file): the version's bytes count in its category (the file
 * moves there if its kind changed), `claim` takes the reference to the content (a staged
 * upload claims it, content a version already holds gets one more reference), the file
 * points at it, and versions beyond `cap` (0: no cap) go, their usage and references given
 * back. Answers the file as it now is.
 */
export async function addVersionTx(tx: Repos, item: ItemRow, content: VersionContent, by: number, now: number, cap: number, claim: () => Promise<unknown>): Promise<ItemRow> {
  const id = Number(item.id);
  const spaceId = Number(item.space_id);
  const category = categoryOf(content.mime);
  const was = item.category ?? 'other';
  await charge(tx, spaceId, category === was ? inCategory(category, content.size, 0) : combine(inCategory(category, content.size, 1), inCategory(was, 0, -1)));
  await claim();
  const number = Number(item.version) + 1;
  await tx.versions.insert({ id: newId(), item_id: id, number, blob_hash: content.hash, size: content.size, mime: content.mime, category, created_by: by, created_at: now });
  await tx.items.update(id, { version: number, blob_hash: content.hash, size: content.size, mime: content.mime, category, modified_by: by, modified_at: now });
  if (cap > 0) {
    for (const old of await tx.versions.beyond(id, cap)) {
      await tx.versions.delete(Number(old.id));
      await tx.blobs.release(old.blob_hash, 1, now);
      await credit(tx, spaceId, inCategory(old.category, Number(old.size), 0));
    }
  }
  return (await tx.items.byId(id))!;
}
