import type { AclService } from './acl/service.js';
import type { FavoriteService } from './favorites/service.js';
import type { LockService } from './guard/locks.js';
import type { Derivatives as DerivativeService } from './images/derivatives.js';
import type { ChangeService } from './items/changes.js';
import type { ContentService } from './items/content.js';
import type { PathService } from './items/paths.js';
import type { DeadPropService } from './items/dead-props.js';
import type { ItemQueries } from './items/queries.js';
import type { PeriodicJobs } from './jobs/periodic.js';
import type { UrlFetches as UrlFetchService } from './limits/in-flight.js';
import type { RateLimiter } from './limits/limiter.js';
import type { SignedLinks } from './links/service.js';
import type { PinService } from './pins/service.js';
import type { SlotService } from './pins/slots.js';
import type { PublicReads as PublicReadService } from './public/service.js';
import type { ResumableUploads } from './resumable/service.js';
import type { SessionService } from './sessions/service.js';
import type { ShareService } from './shares/service.js';
import type { SpaceService } from './spaces/service.js';
import type { NodeCounters, StorageStats } from './storage/stats.js';
import type { TokenService } from './tokens/service.js';
import type { TrashService } from './trash/service.js';
import type { UploadService } from './uploads/service.js';
import type { UsageService } from './usage/service.js';
import type { UserService } from './users/service.js';

/*
 * What the faces (dialects, CLI, server, metrics) may call on each member of `Core`
 * (decisions/0045). Each is picked by name from the service that implements it, so its
 * documentation stays with the code; whatever a service has besides (cache clearing,
 * helpers its siblings in the core use) is not reachable through `Core`.
 */

export type Users = Pick<UserService, 'any' | 'authenticate' | 'byName' | 'create' | 'get' | 'list' | 'many' | 'register' | 'removalPlan' | 'remove' | 'setPassword'>;
export type Tokens = Pick<TokenService, 'create' | 'list' | 'resolve' | 'revoke' | 'revokeAll'>;
export type Sessions = Pick<SessionService, 'open' | 'describe' | 'close'>;
export type Spaces = Pick<
  SpaceService,
  'all' | 'create' | 'delete' | 'get' | 'listMine' | 'members' | 'named' | 'personal' | 'remove' | 'removeMember' | 'setMember' | 'setPublicLinks' | 'setQuota' | 'transfer'
>;
export type Items = Pick<ItemQueries, 'allChildren' | 'ancestors' | 'childByName' | 'children' | 'descendants' | 'get' | 'getInAnyState' | 'listing' | 'versions'>;
export type Paths = Pick<PathService, 'of' | 'resolve'>;
export type DeadProps = Pick<DeadPropService, 'of' | 'ofChildren' | 'patch'>;
export type Uploads = Pick<UploadService, 'checkTarget' | 'checkVersionTarget' | 'upload' | 'uploadFrom' | 'uploadMany' | 'uploadVersion'>;
export type Resumable = Pick<ResumableUploads, 'open' | 'slice' | 'append' | 'status' | 'settle' | 'concat' | 'cancel' | 'expire'>;
export type Changes = Pick<ChangeService, 'createFolder' | 'createTree' | 'ensureFolders' | 'update' | 'updateMany' | 'move' | 'moveMany' | 'copy' | 'copyMany' | 'trash' | 'trashMany' | 'destroy'>;
export type Contents = Pick<ContentService, 'content' | 'derivative'>;
export type Trash = Pick<TrashService, 'clear' | 'list' | 'purge' | 'restore' | 'restoreMany'>;
export type Acl = Pick<AclService, 'add' | 'apply' | 'list' | 'modify' | 'remove'>;
export type Favorites = Pick<FavoriteService, 'add' | 'list' | 'remove'>;
export type PublicReads = Pick<PublicReadService, 'content' | 'item'>;
export type Shares = Pick<ShareService, 'add' | 'get' | 'list' | 'open' | 'remove'>;
export type Derivatives = Pick<DerivativeService, 'find' | 'get'>;
export type Usage = Pick<UsageService, 'all' | 'global' | 'ofSpace' | 'personal' | 'verify'>;
export type Limiter = Pick<RateLimiter, 'check' | 'hit' | 'prune'>;
export type UrlFetches = Pick<UrlFetchService, 'admit' | 'reserve'>;
export type Stats = Pick<StorageStats, 'figures'>;
/** This node's counters, read only. */
export type Counters = Readonly<Pick<NodeCounters, 'gcRuns' | 'gcFailures' | 'gcDeletedBlobs' | 'gcFreedBytes'>> & { readonly rateLimited: ReadonlyMap<string, number> };
export type Pins = Pick<PinService, 'byRef' | 'ofItem' | 'pin' | 'unpin'>;
export type Slots = Pick<SlotService, 'clear' | 'item' | 'read' | 'set' | 'uploadUnpinned'>;
export type Links = Pick<SignedLinks, 'open' | 'sign'>;
export type Locks = Pick<LockService, 'list' | 'ofChildren' | 'refresh' | 'release' | 'take'>;
export type Jobs = Pick<PeriodicJobs, 'jobs' | 'start' | 'stop'>;
