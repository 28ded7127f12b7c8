import type { Category, ItemKind, MemberRole } from '../../domain.js';
import type { Filter } from '../../filter/filter.js';

/** An item row as read back (defaults filled in). */
export interface ItemRow {
  id: number;
  space_id: number;
  parent_id: number | null;
  name: string;
  kind: ItemKind;
  system: number;
  description: string;
  custom_tag: string;
  properties: string;
  created_by: number;
  created_at: number;
  modified_by: number;
  modified_at: number;
  size: number;
  mime: string | null;
  /** Usage category of the current content (null for folders). */
  category: Category | null;
  version: number;
  blob_hash: string | null;
  download_count: number;
  /**
   * 1: anyone may read the file by id without a credential (public reads), where its space's
   * public links are on; 0: only who has rights on it. Set when the file is made.
   */
  public_read: number;
  expires_at: number | null;
  trashed_at: number | null;
  /** Id of the item whose deletion put this one in the trash (itself for the top one). */
  trash_root: number | null;
}

/**
 * An item as trees and listings read it: all but the trash bookkeeping and the stored
 * category (which follows from `mime`). Fewer columns keep 10,000-row trees and folders
 * fast on SQLite (each column read costs on every row).
 */
export type SubtreeRow = Omit<ItemRow, 'trash_root' | 'category'>;

/** What a new item row needs (the rest takes its defaults). */
export type NewItem = Omit<ItemRow, 'system' | 'description' | 'custom_tag' | 'properties' | 'size' | 'version' | 'download_count' | 'public_read'> &
  Partial<Pick<ItemRow, 'system' | 'description' | 'custom_tag' | 'properties' | 'size' | 'version' | 'public_read'>>;

export interface NewFolder {
  id: number;
  spaceId: number;
  parentId: number | null;
  name: string;
  by: number;
  at: number;
  system?: boolean;
}

export type ItemPatch = Partial<Omit<ItemRow, 'id' | 'created_by' | 'created_at' | 'download_count' | 'kind'>>;

/** Sort orders of listings: `mime` sorts by main type then subtype, `hash` by content (etag), `createdBy` by creator. */
export type SortField = 'name' | 'size' | 'created' | 'modified' | 'mime' | 'subtype' | 'hash' | 'createdBy';

/**
 * When and how an items query applies the existence rule (core/items/visibility.ts; in SQL
 * store/repos/visible.ts): items trashed (unless `trash`), expired at `now` or pending are
 * left out, as if they were gone.
 */
export interface Presence {
  now: number;
  /** Trashed items count too (the trash's own listings). */
  trash?: boolean;
}

export interface ChildrenQuery extends Presence {
  sort: SortField;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
  kind?: ItemKind;
  /** Children the caller may not see. */
  exclude?: number[];
  /** Only children matching this filter. */
  filter?: Filter;
  /**
   * Many children match the filter: read the page along the sort order's index, testing
   * the filter on the way, rather than collecting every match through the filter's index
   * and sorting them.
   */
  dense?: boolean;
}

/** What a folder listing with file counts reads (`ItemRepo.listing`). */
export interface ListingQuery {
  /** At most this many folders and this many files (each by name). */
  maxFolders: number;
  maxFiles: number;
  /** Children the caller may not see. */
  exclude?: number[];
  /** Items whose `expires_at` is at or before this moment are left out (OneBot's rule). */
  now: number;
}

/** A listed child; a folder carries the number of live files directly in it. */
export type ListedRow = ItemRow & { file_count: number | null };

/** An item the expiry sweep has claimed for purging. */
export type ExpiredItem = Pick<ItemRow, 'id' | 'space_id' | 'kind' | 'category'>;

/** Per category: bytes of every version and number of files. */
export type SubtreeUsage = Partial<Record<Category, { bytes: number; files: number }>>;

export interface ItemRepo {
  insert(row: NewItem): Promise<void>;
  insertFolder(f: NewFolder): Promise<void>;
  /**
   * Inserts a folder unless its name is taken among the live children of its parent; false
   * then. The unique index judges: a racing insert of the same name waits for the other
   * transaction and, once that commits, inserts nothing.
   */
  insertFolderIfFree(f: NewFolder): Promise<boolean>;
  byId(id: number): Promise<ItemRow | undefined>;
  byIds(ids: number[]): Promise<ItemRow[]>;
  /** An item with the role `userId` holds in its space (null: not a member), in one query. */
  withRole(id: number, userId: number): Promise<(ItemRow & { member_role: MemberRole | null }) | undefined>;
  /**
   * The untrashed child of a folder that holds `name` (the unique index's view: an expired
   * or pending one too, so callers judge it with the existence rule).
   */
  liveChildByName(parentId: number, name: string): Promise<ItemRow | undefined>;
  /** Which of `names` are taken among the live children of a folder. */
  takenNames(parentId: number, names: string[]): Promise<Set<string>>;
  /** Children of a folder that exist at `q.now`, folders first, then by the sort field (id breaks ties). */
  liveChildren(parentId: number, q: ChildrenQuery): Promise<SubtreeRow[]>;
  countLiveChildren(parentId: number, q: Pick<ChildrenQuery, 'kind' | 'exclude' | 'filter'> & Presence): Promise<number>;
  /**
   * A folder's live children in one query: folders first, then files, each by name
   * (case-insensitively, then exactly, then id), each kind capped; every folder with the
   * number of live files directly in it.
   */
  listing(parentId: number, q: ListingQuery): Promise<ListedRow[]>;
  update(id: number, patch: ItemPatch): Promise<boolean>;
  /** Adds one to a file's download count. */
  countDownload(id: number): Promise<void>;
  /** Ids of the item's ancestors, nearest first (the item itself excluded). */
  ancestorIds(id: number): Promise<number[]>;
  /** The item and its ancestors, the space root first (one recursive query up the parents); [] when there is no such item. */
  chain(id: number): Promise<ItemRow[]>;
  /**
   * The live items along a path in a space: its root, then the live child of the root named
   * `names[0]`, then that one's child named `names[1]`, … as far as they exist (fewer than
   * `names.length + 1` rows: the path ends there). One recursive query on the live-name index.
   */
  walk(spaceId: number, names: string[]): Promise<ItemRow[]>;
  /** Whether anything besides its versions refers to the item: shares, favourites, pins, access entries. */
  isReferenced(id: number): Promise<boolean>;
  /** Every item below `id` (not `id` itself), whatever its trash state, parents first. */
  subtree(id: number): Promise<SubtreeRow[]>;
  /** Usage of the subtree rooted at `id`, itself included. */
  subtreeUsage(id: number): Promise<SubtreeUsage>;
  /** Blob references held by the versions of a subtree (the root included). */
  subtreeBlobRefs(id: number): Promise<{ hash: string; n: number }[]>;
  /**
   * Moves the subtree rooted at `id` (itself included, trashed descendants too) into another
   * space, with the access entries on its items.
   */
  setSubtreeSpace(id: number, spaceId: number): Promise<void>;
  /** Puts the item and its live descendants in the trash, marked with `rootId`. */
  trashSubtree(rootId: number, at: number): Promise<number>;
  /** Items put in the trash by their own deletion (tops of trashed subtrees) in a space, unexpired at `now`. */
  trashTops(spaceId: number, now: number): Promise<ItemRow[]>;
  /** Takes a trashed subtree out of the trash. */
  untrash(rootId: number): Promise<void>;
  /** Folders, live or in the trash (one aggregate over the table: callers cache it). */
  countFolders(): Promise<number>;
  /** Deletes a subtree (the root included) for good; versions go with their items. */
  deleteSubtree(id: number): Promise<void>;
  /** Ids of items whose `expires_at` is at or before `now`, soonest first (an index, no scan). */
  expiredIds(now: number, limit: number): Promise<number[]>;
  /**
   * Those of `ids` still expired at `now`, locked for the rest of the transaction (a
   * concurrent sweep or pin waits, then finds them gone or no longer expired).
   */
  claimExpired(ids: number[], now: number): Promise<ExpiredItem[]>;
  /** Deletes items without children for good (versions, pins, entries and shares go with them). */
  deleteMany(ids: number[]): Promise<void>;
  /**
   * Sets `expires_at` of a live (untrashed, unexpired at `now`) item; false when the item is
   * gone, trashed or already expired. Locks the row like any update.
   */
  setExpiryIfLive(id: number, now: number, expiresAt: number | null): Promise<boolean>;
}

export interface VersionRow {
  id: number;
  item_id: number;
  number: number;
  blob_hash: string;
  size: number;
  mime: string;
  category: Category;
  created_by: number;
  created_at: number;
}

export interface VersionRepo {
  insert(row: VersionRow): Promise<void>;
  /** Newest first. */
  ofItem(itemId: number): Promise<VersionRow[]>;
  byNumber(itemId: number, n: number): Promise<VersionRow | undefined>;
  /** Versions beyond the newest `keep`, newest first. */
  beyond(itemId: number, keep: number): Promise<VersionRow[]>;
  delete(id: number): Promise<void>;
  /** Bytes of the versions of `itemIds`, per item and category. */
  usageOfItems(itemIds: number[]): Promise<{ item_id: number; category: Category; bytes: number }[]>;
  /** Blob references held by the versions of `itemIds`. */
  refsOfItems(itemIds: number[]): Promise<{ hash: string; n: number }[]>;
}
