export interface AclRow {
  id: number;
  space_id: number;
  item_id: number;
  /** 0 user, 1 members of a group space, 2 a space role. */
  actor_type: number;
  actor_id: number;
  /** Rights mask; -1 inherits (as if absent). */
  mask: number;
  created_by: number;
  created_at: number;
}

export interface AclRepo {
  insert(row: AclRow): Promise<void>;
  /** Inserts an entry unless the actor has one on the item already (false then; that one is left as it is). */
  insertIfAbsent(row: AclRow): Promise<boolean>;
  byId(id: number): Promise<AclRow | undefined>;
  ofItems(itemIds: number[]): Promise<AclRow[]>;
  spaceHasAcl(spaceId: number): Promise<boolean>;
  /** Whether an item of the subtree rooted at `id` (itself included) carries an entry other than inherit. */
  subtreeHasAcl(id: number): Promise<boolean>;
  /** Deletes every entry on the items of a space. */
  deleteOfSpace(spaceId: number): Promise<void>;
  /** Ids of items among a folder's children that carry entries of their own. */
  childrenWithAcl(parentId: number): Promise<number[]>;
  /**
   * Live files directly in any of `parentIds` that carry entries of their own (other than
   * inherit), leaving out those expired at `now`.
   */
  filesWithAclIn(parentIds: number[], now: number): Promise<{ id: number; parent_id: number }[]>;
  updateMask(id: number, mask: number): Promise<void>;
  delete(id: number): Promise<void>;
}

export interface FavoriteRow {
  id: number;
  user_id: number;
  item_id: number;
  /** JSON array of strings. */
  tags: string;
  created_at: number;
}

export type FavoriteWithItem = FavoriteRow & { item_name: string; space_id: number; parent_id: number | null };

export interface FavoriteRepo {
  /** Inserts or, when the user already has the item, replaces its tags. Returns the row. */
  upsert(row: FavoriteRow): Promise<FavoriteRow>;
  /** A user's favourites whose items exist at `now` (untrashed, unexpired), in `spaceId` (or anywhere), newest first. */
  of(userId: number, now: number, spaceId?: number): Promise<FavoriteWithItem[]>;
  byId(id: number): Promise<FavoriteRow | undefined>;
  delete(id: number): Promise<void>;
}
