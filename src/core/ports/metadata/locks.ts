import type { ItemRow } from './items.js';

/** A lock on an item (WebDAV class 2 semantics, core/guard/locks.ts), shared by every node. */
export interface LockRow {
  /** The lock token: an opaque URI (`opaquelocktoken:<uuid>`), unique. */
  token: string;
  item_id: number;
  /** The item's space when the lock was taken (a lock ends when its item leaves the space). */
  space_id: number;
  /** The user who took it: only they may use its token. */
  owner_id: number;
  /** What the client said about the owner (WebDAV `owner`), kept as sent. */
  owner_info: string;
  scope: 'exclusive' | 'shared';
  /** 1: the lock covers the item's whole subtree (depth infinity); 0: the item alone. */
  deep: number;
  /** The timeout granted, seconds. */
  timeout_seconds: number;
  created_at: number;
  /** Past this (epoch ms) the lock is ignored everywhere, and GC deletes it. */
  expires_at: number;
}

export interface LockRepo {
  insert(row: LockRow): Promise<void>;
  /** The live lock with this token (expires after `now`). */
  byToken(token: string, now: number): Promise<LockRow | undefined>;
  /** Live locks on any of `itemIds`. */
  onItems(itemIds: number[], now: number): Promise<LockRow[]>;
  /** Live locks taken on the live children of a folder. */
  onChildrenOf(parentId: number, now: number): Promise<LockRow[]>;
  /** Live locks held by a user (for the cap on locks per user). */
  countOfOwner(ownerId: number, now: number): Promise<number>;
  /** Extends a live lock to `until` (and records the timeout granted); false when it is gone or expired. */
  refresh(token: string, now: number, until: number, timeoutSeconds: number): Promise<boolean>;
  /** Deletes one lock; false when there was none. */
  delete(token: string): Promise<boolean>;
  /** Deletes the locks on any of `itemIds` (their items leave their place); how many. */
  deleteOnItems(itemIds: number[]): Promise<number>;
  /** Deletes locks that expired before `now`; how many. */
  prune(now: number): Promise<number>;
  /**
   * Orders this transaction with the others that write to, or lock, items of `spaceIds`:
   * writes hold a shared claim (they run side by side), taking a lock an exclusive one
   * (PostgreSQL: transaction-scoped advisory locks, in id order; SQLite runs one transaction
   * at a time already). Then answers whether any live lock exists in those spaces, read
   * after the claim, so a lock taken by another node is either seen or taken after this
   * transaction commits.
   */
  claimSpaces(spaceIds: number[], exclusive: boolean, now: number): Promise<boolean>;
  /** Reads an item with its row locked for the rest of the transaction (conditions are judged on it). */
  itemForWrite(id: number): Promise<ItemRow | undefined>;
}
