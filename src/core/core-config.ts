import type { PasswordCost } from './users/passwords.js';

/**
 * What the core reads of Kura's configuration (decisions/0044): limits, lifetimes and
 * policies, never addresses, directories, credentials of other systems or anything a face
 * or an adapter reads. src/config.ts maps the whole configuration onto it (`coreConfig`);
 * each field's setting and default are documented there and in the README.
 */
export interface CoreConfig {
  /** Largest single upload, bytes (UPLOAD_MAX_BYTES). */
  readonly uploadMaxBytes: number;
  /** Whether anyone may register an account (KURA_OPEN_REGISTRATION). */
  readonly openRegistration: boolean;
  /** Byte quota of every new personal space; null: unlimited (KURA_DEFAULT_QUOTA_BYTES). */
  readonly defaultQuotaBytes: number | null;
  /** Versions kept per file; 0 keeps all (KURA_VERSION_CAP). */
  readonly versionCap: number;
  /** Seconds an unreferenced blob is kept before GC may delete it (KURA_GC_GRACE_SECONDS). */
  readonly gcGraceSeconds: number;
  /** Seconds between periodic GC runs across all nodes (KURA_GC_INTERVAL_SECONDS). */
  readonly gcIntervalSeconds: number;
  /** Seconds a node's claim on shared work (a periodic job, a resumable upload's assembly) lasts without renewal (KURA_JOB_LEASE_SECONDS). */
  readonly jobLeaseSeconds: number;
  /** Seconds a resolved token, rights or a verified password stay cached in one process (KURA_AUTH_CACHE_SECONDS). */
  readonly authCacheSeconds: number;
  /** The argon2id cost of new password hashes (KURA_PASSWORD_COST). */
  readonly passwordCost: PasswordCost;
  /** Seconds a browser session lasts (KURA_SESSION_SECONDS). */
  readonly sessionSeconds: number;
  /** How long a file uploaded to expire unless pinned lives without a pin, ms (KURA_UNPINNED_TTL). */
  readonly unpinnedTtlMs: number;
  /** Seconds an idle resumable upload is kept before it expires (KURA_UPLOAD_SESSION_SECONDS). */
  readonly uploadSessionSeconds: number;
  /** Longest timeout of a lock, seconds (KURA_LOCK_MAX_SECONDS). */
  readonly lockMaxSeconds: number;
  /** Unfinished resumable uploads one user may hold (KURA_UPLOAD_SESSIONS_PER_USER). */
  readonly uploadSessionsPerUser: number;
  /** Bytes one user's unfinished resumable uploads may hold together (KURA_UPLOAD_PENDING_BYTES_PER_USER). */
  readonly uploadPendingBytesPerUser: number;
  /** Seconds a node reuses its storage figures (KURA_METRICS_CACHE_SECONDS). */
  readonly metricsCacheSeconds: number;
  /** Uploads from URLs: places in flight per user and per node, and the longest transfer (KURA_URL_UPLOAD_*). */
  readonly urlUpload: Readonly<{ perUser: number; perNode: number; timeoutMs: number }>;
  /** Secret that signs download links; undefined: one kept in the database (KURA_LINK_SECRET). */
  readonly linkSecret: string | undefined;
  /** Seconds a signed download link stays valid (KURA_SIGNED_URL_SECONDS). */
  readonly signedUrlSeconds: number;
  /** New thumbnail renderings one client may cause per minute (KURA_THUMBNAIL_RENDERS_PER_MINUTE). */
  readonly thumbnailRendersPerMinute: number;
}
