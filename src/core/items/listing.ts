import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest } from '../errors.js';
import type { ItemRow, MetadataStore } from '../ports/index.js';
import { has, Right } from '../rights.js';
import { toItem, type Item } from './view.js';

/** Most folders, and most files, one listing answers. */
export const LISTING_MAX = 10_000;

export interface ListingOptions {
  /** At most this many folders (0 to LISTING_MAX, default LISTING_MAX). */
  folders?: number;
  /** At most this many files (0 to LISTING_MAX, default LISTING_MAX). */
  files?: number;
}

/** A folder of a listing, with the number of files directly in it that the caller may see. */
export type ListedFolder = Item & { fileCount: number };

/** What a folder holds: its folders, then its files, each by name. */
export interface FolderListing {
  folders: ListedFolder[];
  files: Item[];
}

function cap(v: number | undefined, field: string): number {
  if (v === undefined) return LISTING_MAX;
  if (!Number.isSafeInteger(v) || v < 0 || v > LISTING_MAX) throw badRequest(`${field} must be a whole number from 0 to ${LISTING_MAX}`, { field });
  return v;
}

/**
 * The listing of `folder` (already checked: the caller may list it) in one query: its
 * live, unexpired children the caller may see (not `exclude`), folders with their file
 * counts. In a space with access entries the counts are then corrected, so that a count
 * never includes a file the caller could not list: none for a folder it may not list, and
 * none that an entry of its own hides.
 */
export async function listFolder(store: MetadataStore, access: Access, actor: Actor, folder: ItemRow, exclude: number[], opts: ListingOptions, now: number): Promise<FolderListing> {
  const maxFolders = cap(opts.folders, 'folders');
  const maxFiles = cap(opts.files, 'files');
  const rows = await store.items.listing(Number(folder.id), { maxFolders, maxFiles, exclude, now });
  const folders = rows.filter((r) => r.kind === 'folder');
  const counts = new Map(folders.map((r) => [Number(r.id), Number(r.file_count ?? 0)]));
  if (folders.length > 0 && actor.role !== 'admin' && (await store.acl.spaceHasAcl(Number(folder.space_id)))) await seenCounts(store, access, actor, folder, folders, counts, now);
  return {
    folders: folders.map((r) => ({ ...toItem(r), fileCount: counts.get(Number(r.id)) ?? 0 })),
    files: rows.filter((r) => r.kind === 'file').map(toItem),
  };
}

/** Corrects `counts` by the caller's rights on the listed folders and on the files in them that carry entries. */
async function seenCounts(store: MetadataStore, access: Access, actor: Actor, top: ItemRow, folders: ItemRow[], counts: Map<number, number>, now: number): Promise<void> {
  const marked = await store.acl.filesWithAclIn(
    folders.map((f) => Number(f.id)),
    now,
  );
  // Parents first: the listed folders, then the files below them.
  const rights = await access.subtreeRights(actor, top, [...folders, ...marked]);
  if ('uniform' in rights) return;
  const mask = (id: number) => rights.byId.get(id) ?? 0;
  for (const f of folders) if (!has(mask(Number(f.id)), Right.LIST)) counts.set(Number(f.id), 0);
  for (const m of marked) {
    const n = counts.get(m.parent_id) ?? 0;
    if (n > 0 && has(mask(m.parent_id), Right.LIST) && !has(mask(m.id), Right.READ_ATTRS)) counts.set(m.parent_id, n - 1);
  }
}
