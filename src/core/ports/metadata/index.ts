import type { AclRepo, FavoriteRepo } from './access.js';
import type { BlobRepo, DerivativeRepo } from './blobs.js';
import type { DeadPropRepo } from './dead-props.js';
import type { ItemRepo, VersionRepo } from './items.js';
import type { InFlightRepo, LeaseRepo } from './leases.js';
import type { LockRepo } from './locks.js';
import type { PinRepo } from './pins.js';
import type { ShareRepo } from './shares.js';
import type { SpaceRepo, UsageRepo } from './spaces.js';
import type { LimitRepo, UploadRepo } from './uploads.js';
import type { SecretRepo, TokenRepo, UserRepo } from './users.js';

export * from './access.js';
export * from './blobs.js';
export * from './dead-props.js';
export * from './items.js';
export * from './leases.js';
export * from './locks.js';
export * from './pins.js';
export * from './shares.js';
export * from './spaces.js';
export * from './uploads.js';
export * from './users.js';

/**
 * The metadata store as the core sees it: repositories in the core's own words. The
 * same shape is handed to a transaction's callback, so a service works alike inside and
 * outside one; inside, every call belongs to the transaction. The implementation
 * (Kysely over SQLite or PostgreSQL) lives in src/store/ and is the only place with SQL.
 */
export interface Repos {
  readonly users: UserRepo;
  readonly tokens: TokenRepo;
  readonly spaces: SpaceRepo;
  readonly usage: UsageRepo;
  readonly items: ItemRepo;
  readonly versions: VersionRepo;
  readonly blobs: BlobRepo;
  readonly derivatives: DerivativeRepo;
  readonly acl: AclRepo;
  readonly favorites: FavoriteRepo;
  readonly shares: ShareRepo;
  readonly uploads: UploadRepo;
  readonly limits: LimitRepo;
  readonly leases: LeaseRepo;
  readonly inFlight: InFlightRepo;
  readonly locks: LockRepo;
  readonly deadProps: DeadPropRepo;
  readonly pins: PinRepo;
  readonly secrets: SecretRepo;
}

export interface MetadataStore extends Repos {
  /**
   * Runs `fn` in one transaction: all of its writes, or none. A uniqueness violation
   * inside surfaces as UniqueViolation. Transactions do not nest.
   */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Calls `listener` whenever a write is sent through this store (per-node caches drop entries). */
  onWrite(listener: () => void): void;
  /** Answers when the database does (health checks). */
  ping(): Promise<void>;
}

/** A write broke a uniqueness rule (a name taken among live siblings, a key in use, …). */
export class UniqueViolation extends Error {
  constructor(override readonly cause: unknown) {
    super('unique constraint violated');
    this.name = 'UniqueViolation';
  }
}
