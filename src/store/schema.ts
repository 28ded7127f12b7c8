import type { Generated, Kysely, Transaction } from 'kysely';
import type { Category, ItemKind, MemberRole, ShareKind, SpaceKind, UploadState, UserRole } from '../core/index.js';

/*
 * Table shapes as Kysely sees them. Ids are random 53-bit integers, times are epoch
 * milliseconds, booleans are 0/1: the same on SQLite and PostgreSQL.
 */


export interface UsersTable {
  id: number;
  username: string;
  real_name: string;
  email: string;
  phone: string;
  password_hash: string;
  role: UserRole;
  created_at: number;
}

export interface TokensTable {
  id: number;
  user_id: number;
  label: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

export interface SpacesTable {
  id: number;
  kind: SpaceKind;
  name: string;
  owner_id: number;
  root_id: number | null;
  quota_bytes: number | null;
  quota_files: number | null;
  used_bytes: Generated<number>;
  used_files: Generated<number>;
  public_links: Generated<number>;
  created_at: number;
}

export interface MembersTable {
  space_id: number;
  user_id: number;
  role: MemberRole;
  created_at: number;
}

export interface BlobsTable {
  hash: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
  refcount: number;
  /** 'live', or 'deleting' while GC removes the bytes (see core/blobs/refs.ts). */
  state: Generated<string>;
  touched_at: number;
  created_at: number;
}

export interface ItemsTable {
  id: number;
  space_id: number;
  parent_id: number | null;
  name: string;
  kind: ItemKind;
  system: Generated<number>;
  description: Generated<string>;
  custom_tag: Generated<string>;
  /** JSON object text. */
  properties: Generated<string>;
  created_by: number;
  created_at: number;
  modified_by: number;
  modified_at: number;
  size: Generated<number>;
  mime: string | null;
  category: Category | null;
  version: Generated<number>;
  blob_hash: string | null;
  download_count: Generated<number>;
  expires_at: number | null;
  trashed_at: number | null;
  /** Id of the item whose deletion put this one in the trash (itself for the top one). */
  trash_root: number | null;
}

export interface VersionsTable {
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

export interface SpaceUsageTable {
  space_id: number;
  category: Category;
  bytes: number;
  files: number;
}

export interface AclTable {
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

export interface FavoritesTable {
  id: number;
  user_id: number;
  item_id: number;
  /** JSON array of strings. */
  tags: string;
  created_at: number;
}

export interface DerivativesTable {
  source_hash: string;
  /** What was made, e.g. `jpeg-256`. */
  spec: string;
  blob_hash: string;
  created_at: number;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

export interface UploadSessionsTable {
  /** 32 random hex digits; names the session's pieces in the blob store. */
  id: string;
  user_id: number;
  /** The client's key (drive FileTempId, lowercased); unique per user. */
  client_key: string;
  space_id: number;
  /** New file: the folder it goes into. */
  parent_id: number | null;
  /** New version: the file it updates. */
  item_id: number | null;
  name: string;
  length: number;
  /** Bytes reserved against the space quota until completion or expiry. */
  reserved: number;
  state: UploadState;
  /** The file made on completion. */
  result_id: number | null;
  /** The content made on completion. */
  result_hash: string | null;
  /** Who is assembling it (a random claim), while `state` is 'assembling'. */
  assembler: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
}

export interface UploadPiecesTable {
  session_id: string;
  key: string;
  start: number;
  size: number;
  /** The blob store's write epoch when the piece was written ('' for durable stores). */
  epoch: string;
  created_at: number;
}

export interface SharesTable {
  id: number;
  /** The unguessable public id (24 hex digits): share URLs carry it. */
  token: string;
  item_id: number;
  created_by: number;
  kind: ShareKind;
  /** Extraction code of a private share. */
  code: string | null;
  created_at: number;
  expires_at: number | null;
  max_downloads: number | null;
  download_count: Generated<number>;
}

export interface Schema {
  users: UsersTable;
  tokens: TokensTable;
  spaces: SpacesTable;
  space_usage: SpaceUsageTable;
  members: MembersTable;
  blobs: BlobsTable;
  items: ItemsTable;
  versions: VersionsTable;
  acl_entries: AclTable;
  favorites: FavoritesTable;
  upload_sessions: UploadSessionsTable;
  upload_pieces: UploadPiecesTable;
  derivatives: DerivativesTable;
  rate_limits: RateLimitsTable;
  shares: SharesTable;
}

/** A database handle or an open transaction: repositories accept either. */
export type Db = Kysely<Schema> | Transaction<Schema>;
