import type { Generated, Kysely, Transaction } from 'kysely';
import type {
  AclRow,
  BlobRow,
  DeadPropRow,
  DerivativeRow,
  FavoriteRow,
  ItemRow,
  LeaseRow,
  LockRow,
  MemberRow,
  PinRow,
  ShareRow,
  SpaceRow,
  TokenRow,
  UploadPieceRow,
  UploadSessionRow,
  UsageByCategory,
  UserRow,
  VersionRow,
} from '../core/index.js';

/*
 * Table shapes as Kysely sees them: the core's record shapes (src/core/ports/metadata/),
 * with the columns the database fills in by default marked Generated. Ids are random
 * 53-bit integers, times are epoch milliseconds, booleans are 0/1: the same on SQLite and
 * PostgreSQL.
 */

/** `T` with the columns `K` filled in by the database when an insert leaves them out. */
type WithDefaults<T, K extends keyof T> = Omit<T, K> & { [P in K]: Generated<T[P]> };

export type UsersTable = UserRow;
export type TokensTable = WithDefaults<TokenRow, 'read_only'>;
export type SpacesTable = WithDefaults<SpaceRow, 'used_bytes' | 'used_files' | 'reserved_bytes' | 'reserved_files' | 'public_links'>;
export type MembersTable = MemberRow;
export type BlobsTable = WithDefaults<BlobRow, 'state'>;
export type ItemsTable = WithDefaults<ItemRow, 'system' | 'description' | 'custom_tag' | 'properties' | 'size' | 'version' | 'download_count' | 'public_read'>;
export type VersionsTable = VersionRow;
export type SpaceUsageTable = { space_id: number; category: keyof UsageByCategory; bytes: number; files: number };
export type AclTable = AclRow;
export type FavoritesTable = FavoriteRow;
export type DerivativesTable = DerivativeRow;
export type RateLimitsTable = { key: string; window_start: number; count: number };
export type UploadSessionsTable = WithDefaults<UploadSessionRow, 'public_read'>;
export type UploadPiecesTable = UploadPieceRow;
export type LeasesTable = LeaseRow;
export type LocksTable = WithDefaults<LockRow, 'owner_info'>;
/** `slot`: the number of the permit held (core/limits/in-flight.ts; the column keeps its first name). */
export type InFlightTable = { key: string; slot: number; holder: string; expires_at: number };
export type ServerSecretsTable = { name: string; value: string; created_at: number };
export type SharesTable = WithDefaults<ShareRow, 'download_count'>;
export type PinsTable = PinRow;
export type PinPoliciesTable = { item_id: number; ttl_ms: number };

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
  leases: LeasesTable;
  in_flight: InFlightTable;
  locks: LocksTable;
  dead_props: DeadPropRow;
  pins: PinsTable;
  pin_policies: PinPoliciesTable;
  server_secrets: ServerSecretsTable;
}

/** A database handle or an open transaction: repositories accept either. */
export type Db = Kysely<Schema> | Transaction<Schema>;
