import { Access, AccessCache } from './access.js';
import { AclService } from './acl/service.js';
import { fsck, type FsckReport } from './storage/fsck.js';
import { purgeExpired } from './storage/expiry.js';
import { collectGarbage, type GcReport } from './storage/gc.js';
import { NodeCounters, StorageStats } from './storage/stats.js';
import { PeriodicJobs } from './jobs/periodic.js';
import type { CoreContext } from './context.js';
import { FavoriteService } from './favorites/service.js';
import { Derivatives, thumbnailRenders } from './images/derivatives.js';
import { LockService } from './guard/locks.js';
import { ChangeService } from './items/changes.js';
import { ContentReader, ContentService } from './items/content.js';
import { PathService } from './items/paths.js';
import { DeadPropService } from './items/dead-props.js';
import { ItemQueries } from './items/queries.js';
import { InFlight, UrlFetches } from './limits/in-flight.js';
import { RateLimiter } from './limits/limiter.js';
import { PinService } from './pins/service.js';
import { SlotService } from './pins/slots.js';
import { SignedLinks } from './links/service.js';
import { PublicReads } from './public/service.js';
import { ResumableUploads } from './resumable/service.js';
import { SessionService } from './sessions/service.js';
import { ShareService } from './shares/service.js';
import { SpaceService } from './spaces/service.js';
import { TokenService } from './tokens/service.js';
import { TrashService } from './trash/service.js';
import { UploadService } from './uploads/service.js';
import { UsageService } from './usage/service.js';
import { UserService } from './users/service.js';
import { VerifiedPasswords } from './users/verified-passwords.js';
import type { Acl, Changes, Contents, Counters, DeadProps, Derivatives as DerivativeOps, Favorites, Items, Jobs, Limiter, Links, Locks, Paths, Pins, PublicReads as PublicReadOps, Resumable, Sessions, Shares, Slots as SlotOps, Spaces, Stats, Tokens, Trash, Uploads, UrlFetches as UrlFetchOps, Usage, Users } from './surface.js';

/*
 * The core's one public surface: what dialects, the CLI, jobs and adapters may use. Nothing
 * outside src/core/ imports a file of the core other than this one (a lint rule keeps it so).
 */
export type { Actor } from './actor.js';
export { ActorType, ROLE_CODES } from './access.js';
export type { AclChange, AclEntry } from './acl/service.js';
export type { FsckProblem, FsckReport } from './storage/fsck.js';
export type { ExpiryReport } from './storage/expiry.js';
export type { GcReport } from './storage/gc.js';
export type { StorageFigures } from './storage/stats.js';
export type { JobRun, PeriodicJob } from './jobs/periodic.js';
export type { CoreConfig } from './core-config.js';
export type { CoreContext } from './context.js';
export * from './domain.js';
export { badRequest, isKuraError, KuraError, type KuraErrorCode } from './errors.js';
export type { FaultPoint } from './faults.js';
export { etagOf, itemEtag, type Conditions } from './guard/conditions.js';
export { assertWriter, type Guarded } from './guard/guard.js';
export { MAX_LOCKS_PER_USER, type Lock, type LockRequest, type LockScope } from './guard/locks.js';
export type { Favorite } from './favorites/service.js';
export { compileFilter, CORE_FIELD_SPECS, FILTER_FIELDS, type FieldSpec, type Filter, type FilterField, type FilterValue } from './filter/filter.js';
export { newId, newSecret, parseId } from './ids.js';
export { INT32, INT53, type IntRange, nulAt, outOfRange, refuseNul } from './input.js';
export { isRaster, MAX_FIT_WIDTH, MAX_THUMBNAIL_SIDE, renderSubject, thumbnailRenders, type Derivative, type UploadDerivative } from './images/derivatives.js';
export { answersAsIs, KEPT_SPECS, LADDER, ladderStep, MAX_DERIVATIVES_PER_SOURCE, stepAtLeast, WEB_COPY } from './images/ladder.js';
export type { FolderTree, MetaPatch, PlaceOptions } from './items/changes.js';
export { MAX_PATH_DEPTH, type EnsureFoldersOptions } from './items/folder-path.js';
export type { FileBody } from './items/content.js';
export type { Outcome } from './items/outcome.js';
export type { OnConflict, PlaceConflict } from './items/placement.js';
export { joinPath, MAX_PATH_LEVELS, splitPath, type ItemPath, type PathLevel } from './items/paths.js';
export { DEAD_PROP_MAX_VALUE, DEAD_PROPS_MAX_PER_ITEM, type DeadProp, type DeadPropChange } from './items/dead-props.js';
export { PERSONAL_TOP, type Scope, type ScopeFacts, type Within } from './items/scope.js';
export type { ListOptions, TreeNode } from './items/queries.js';
export { LISTING_MAX, type FolderListing, type ListedFolder, type ListingOptions } from './items/listing.js';
export type { Item, Version } from './items/view.js';
export { urlFetchRule, type InFlightRule, type InFlightPermit } from './limits/in-flight.js';
export type { Rule } from './limits/limiter.js';
export { SIGNED_LINK_MISSES, type SignedLink } from './links/service.js';
export { isActiveType, sniffMime } from './mime.js';
export { checkName, extensionOf, numberedName } from './names.js';
export * from './ports/index.js';
export { checkRef, MAX_REF, type Pin } from './pins/service.js';
export { SLOT_FOLDER, type SlotOwner, type SlotSpec } from './pins/slots.js';
export { acceptImageType, type ImageRule } from './images/rules.js';
export { MISS_LIMIT, PUBLIC_MISSES } from './public/service.js';
export type { ReceiveOptions, SessionSpec, SliceResult, SliceTarget, UploadStatus } from './resumable/service.js';
export type { ConcatSpec } from './resumable/concat.js';
export { CHECKSUM_ALGORITHMS, type Checksum, type ChecksumAlgorithm } from './resumable/streams.js';
export { ALL_RIGHTS, has, Right, ROLE_RIGHTS } from './rights.js';
export { Permits } from './permits.js';
export { SHARE_MISS_LIMIT, SHARE_MISSES, type Share, type ShareContent, type ShareOptions } from './shares/service.js';
export { SESSION_LABEL, type Session } from './sessions/service.js';
export type { Member, Space } from './spaces/service.js';
export { parseDuration, type TokenInfo } from './tokens/service.js';
export { atLeastFloor, DEFAULT_PASSWORD_COST, HASH_FLOOR, type PasswordCost } from './users/passwords.js';
export type { IncomingFile, UploadOptions } from './uploads/service.js';
export { acceptCategory } from './uploads/type-rules.js';
export type { UsageDrift } from './usage/service.js';
export { checkPassword, FAILED_LOGINS_PER_ACCOUNT, FAILED_LOGINS_PER_CLIENT, REGISTRATIONS_PER_CLIENT, type AccountPolicy, type NewHashedUser, type NewUser, type RemovalPlan, type User } from './users/service.js';

/** Every core service, wired to the ports of one context, as the faces see it (surface.ts: what each may call). */
export interface Core {
  readonly users: Users;
  readonly tokens: Tokens;
  /** Browser sessions: a sign-in that makes a `web` token with an expiry (KURA_SESSION_SECONDS). */
  readonly sessions: Sessions;
  readonly spaces: Spaces;
  readonly items: Items;
  /** Paths in a space (`/a/b/c`) to items and back: deep links, breadcrumbs, WebDAV URLs. */
  readonly paths: Paths;
  /** Properties clients keep on items (WebDAV PROPPATCH): read, patched all or nothing, copied with copies. */
  readonly deadProps: DeadProps;
  /** Plain uploads: a body (or several) in one request. */
  readonly uploads: Uploads;
  /** Resumable uploads: sessions whose slices may come in any order, to any node. */
  readonly resumable: Resumable;
  readonly changes: Changes;
  readonly content: Contents;
  readonly trash: Trash;
  readonly acl: Acl;
  readonly favorites: Favorites;
  readonly publicReads: PublicReadOps;
  readonly shares: Shares;
  readonly derivatives: DerivativeOps;
  readonly usage: Usage;
  readonly limiter: Limiter;
  /** Permits for uploads from URLs: a few per user over all nodes, a few more per node. */
  readonly urlFetches: UrlFetchOps;
  /** What the store holds (database figures, cached per node for KURA_METRICS_CACHE_SECONDS). */
  readonly stats: Stats;
  /** What this process did: GC runs, rate-limit refusals. */
  readonly counters: Counters;
  /** Pins: reference strings that keep files (files uploaded to expire unless pinned). */
  readonly pins: Pins;
  /** Named one-image slots (avatars, covers) and uploads that expire unless pinned. */
  readonly slots: SlotOps;
  /** Signed, expiring download links that need no token. */
  readonly links: Links;
  /** Locks on items (exclusive or shared, depth 0 or infinity), honoured by every write through the write guard. */
  readonly locks: Locks;
  /** Answers when the metadata store does. */
  health(): Promise<void>;
  /** Deletes what nothing references any more (after the grace period). */
  gc(): Promise<GcReport>;
  /**
   * The periodic jobs (GC, expiry of resumable uploads), each behind a lease in the
   * database so that of several nodes one runs it at a time; `kura serve` starts them.
   */
  readonly jobs: Jobs;
  /** Verifies blobs, references and usage counters; reports, never fixes. */
  fsck(onProgress?: (done: number, total: number) => void): Promise<FsckReport>;
}

export function createCore(ctx: CoreContext): Core {
  const store = ctx.store;
  const cache = new AccessCache(ctx.config.authCacheSeconds * 1000, ctx.now);
  const access = new Access(store, ctx.now, cache);
  const reader = new ContentReader(ctx.blobs);
  const counters = new NodeCounters();
  const limiter = new RateLimiter(store, ctx.now, (rule) => counters.limited(rule));
  const inFlight = new InFlight(store, ctx.now, (rule) => counters.limited(rule));
  const derivatives = new Derivatives(store, ctx.blobs, ctx.images, ctx.now, limiter, thumbnailRenders(ctx.config.thumbnailRendersPerMinute));
  const publicReads = new PublicReads(ctx, reader, access, limiter, derivatives);
  // Every write through this node clears its read caches.
  const spaces = new SpaceService(store, ctx.now);
  const items = new ItemQueries(store, access);
  const uploads = new UploadService(ctx, access, derivatives);
  const slots = new SlotService(ctx, uploads, reader, limiter);
  store.onWrite(() => {
    cache.forget();
    publicReads.forget();
    slots.forget();
  });
  const resumable = new ResumableUploads(ctx, access, uploads, items);
  const usage = new UsageService(store);
  const locks = new LockService(store, ctx.now, ctx.config.lockMaxSeconds);
  const gc = async (): Promise<GcReport> => {
    try {
      await limiter.prune();
      await inFlight.prune();
      await locks.prune();
      // Expired sliced uploads give their quota back before blobs are counted.
      await resumable.expire();
      // Items past their expires_at go for good; their blobs are then unreferenced.
      const expiry = await purgeExpired(store, ctx.now());
      const report: GcReport = { ...(await collectGarbage(store, ctx.blobs, ctx.now(), ctx.config.gcGraceSeconds * 1000)), expired: expiry.purged };
      counters.gcDone(report);
      return report;
    } catch (e) {
      counters.gcFailed();
      throw e;
    }
  };
  const gcEveryMs = ctx.config.gcIntervalSeconds * 1000;
  const jobs = new PeriodicJobs(
    store,
    ctx.now,
    [
      { name: 'gc', intervalMs: gcEveryMs, run: gc },
      // Cheap, and it gives reserved quota back: more often than GC.
      { name: 'upload-expiry', intervalMs: Math.min(60_000, gcEveryMs), run: () => resumable.expire() },
    ],
    { leaseMs: ctx.config.jobLeaseSeconds * 1000 },
  );
  const verified = new VerifiedPasswords(ctx.config.authCacheSeconds * 1000, ctx.now);
  const users = new UserService(store, spaces, limiter, ctx.now, { openRegistration: ctx.config.openRegistration, defaultQuotaBytes: ctx.config.defaultQuotaBytes, passwordCost: ctx.config.passwordCost }, verified);
  const tokens = new TokenService(store, ctx.now, ctx.config.authCacheSeconds);
  return {
    spaces,
    users,
    tokens,
    sessions: new SessionService(store, users, tokens, ctx.config.sessionSeconds * 1000),
    items,
    paths: new PathService(store, access),
    deadProps: new DeadPropService(store, access, ctx.now),
    uploads,
    resumable,
    changes: new ChangeService(store, ctx.now, ctx.config.versionCap),
    content: new ContentService(store, access, reader, derivatives),
    publicReads,
    trash: new TrashService(store, access, ctx.now),
    acl: new AclService(store, access, ctx.now),
    favorites: new FavoriteService(store, access, ctx.now),
    shares: new ShareService(store, access, reader, ctx.blobs, limiter, ctx.now),
    derivatives,
    usage,
    limiter,
    urlFetches: new UrlFetches(inFlight, ctx.config, ctx.sources),
    stats: new StorageStats(store, ctx.now, ctx.config.metricsCacheSeconds * 1000),
    counters,
    pins: new PinService(store, access, ctx.now),
    slots,
    links: new SignedLinks(ctx, access, reader, limiter),
    locks,
    health: () => store.ping(),
    gc,
    jobs,
    fsck: (onProgress) => fsck(store, ctx.blobs, usage, { now: ctx.now(), graceMs: ctx.config.gcGraceSeconds * 1000 }, onProgress),
  };
}
