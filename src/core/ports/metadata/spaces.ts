import type { Category, MemberRole, SpaceKind } from '../../domain.js';

export interface SpaceRow {
  id: number;
  kind: SpaceKind;
  name: string;
  owner_id: number;
  root_id: number | null;
  quota_bytes: number | null;
  quota_files: number | null;
  /** Bytes and files stored (every version of every file, trash included). */
  used_bytes: number;
  used_files: number;
  /** Bytes and file reservations held by open upload sessions; the quota counts them with the stored ones. */
  reserved_bytes: number;
  reserved_files: number;
  public_links: number;
  created_at: number;
}

export type NewSpace = Omit<SpaceRow, 'used_bytes' | 'used_files' | 'reserved_bytes' | 'reserved_files' | 'public_links'>;

export interface MemberRow {
  space_id: number;
  user_id: number;
  role: MemberRole;
  created_at: number;
}

export interface MemberWithUser {
  user_id: number;
  role: MemberRole;
  created_at: number;
  username: string;
  real_name: string;
}

export interface SpaceRepo {
  insert(row: NewSpace): Promise<void>;
  byId(id: number): Promise<SpaceRow | undefined>;
  personalOf(userId: number): Promise<SpaceRow | undefined>;
  setRoot(spaceId: number, rootId: number): Promise<void>;
  /** Spaces a user is a member of, with the user's role, oldest first. */
  ofUser(userId: number): Promise<(SpaceRow & { member_role: MemberRole })[]>;
  ownedBy(userId: number): Promise<Pick<SpaceRow, 'id' | 'kind' | 'name'>[]>;
  /** Every space, oldest first (for administrators). */
  all(): Promise<SpaceRow[]>;
  /** Spaces with exactly this name (names need not be unique). */
  named(name: string): Promise<SpaceRow[]>;
  /** Gives a space another owner; false when the space is unknown. */
  setOwner(id: number, ownerId: number): Promise<boolean>;
  setQuota(id: number, bytes: number | null, files: number | null): Promise<boolean>;
  setPublicLinks(id: number, on: boolean): Promise<boolean>;
  /** Blob references held by every version of every item of the space. */
  blobRefs(spaceId: number): Promise<{ hash: string; n: number }[]>;
  /** Deletes the space with all its items (and, through them, versions, entries, shares…). */
  deleteWithItems(spaceId: number): Promise<void>;

  memberRole(spaceId: number, userId: number): Promise<MemberRole | undefined>;
  members(spaceId: number): Promise<MemberWithUser[]>;
  upsertMember(row: MemberRow): Promise<void>;
  deleteMember(spaceId: number, userId: number): Promise<boolean>;
  /** The spaces among `spaceIds` that `userId` is a member of. */
  memberOfAny(userId: number, spaceIds: number[]): Promise<Set<number>>;
}

/** Usage of one category: logical bytes of every version, and files. */
export interface CategoryUsage {
  bytes: number;
  files: number;
}

export type UsageByCategory = Record<Category, CategoryUsage>;

/** A change to a space's usage: per category, plus bytes and file reservations held by no file yet (reservations). */
export interface UsageChange {
  categories: Partial<Record<Category, CategoryUsage>>;
  /** Bytes reserved for (or released by) upload sessions; they count against the quota, not as stored. */
  reserved?: number;
  /** File slots reserved for (or released by) upload sessions of new files; they count against the file quota. */
  reservedFiles?: number;
}

export interface UsageRepo {
  /**
   * Applies a change to a space's totals (stored and reserved, which the quota is checked
   * against together) and to its per-category counters, atomically. With `checkQuota`,
   * refuses (false, nothing changed) when the new totals exceed the quota.
   */
  apply(spaceId: number, change: UsageChange, checkQuota: boolean): Promise<boolean>;
  /** Per-category counters of one space (missing categories are zero). */
  ofSpace(spaceId: number): Promise<UsageByCategory>;
  /** Per-category counters summed over every space. */
  all(): Promise<UsageByCategory>;
  /** Usage recounted from items and versions (live and trashed), for verification. */
  recount(spaceId: number): Promise<UsageByCategory>;
  /** Bytes and file reservations held by the upload sessions of a space. */
  reservedBy(spaceId: number): Promise<{ bytes: number; files: number }>;
  /** Ids of every space, a page at a time (for verification). */
  spaceIds(after: number, limit: number): Promise<number[]>;
}
