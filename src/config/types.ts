import type { PasswordCost } from '../core/index.js';
import type { FaultPoint } from '../faults.js';

/** Kura's whole configuration, validated once at start-up and frozen. */
export interface KuraConfig {
  /** TCP port (PORT, default 8080). */
  readonly port: number;
  /** Listen address (HOST, default 127.0.0.1). */
  readonly host: string;
  /** Data directory for SQLite, local blobs and temp files (DATA_DIR, default ./data). */
  readonly dataDir: string;
  /** DATABASE_URL: absent → SQLite at DATA_DIR/kura.db; postgres://… → PostgreSQL. */
  readonly databaseUrl: string | undefined;
  /** BLOB_STORE: local (default) or s3. */
  readonly blobStore: 'local' | 's3';
  readonly s3: Readonly<{
    endpoint: string | undefined;
    region: string;
    bucket: string;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
    forcePathStyle: boolean;
    /** Longest wait for a connection to the endpoint, ms (S3_CONNECT_TIMEOUT_SECONDS, default 5). */
    connectTimeoutMs: number;
    /** Longest silence on a connection to the endpoint, ms (S3_REQUEST_TIMEOUT_SECONDS, default 60). */
    idleTimeoutMs: number;
  }>;
  /** Base URL clients reach Kura at, used in generated links (PUBLIC_URL). */
  readonly publicUrl: string;
  /** Largest single upload in bytes (UPLOAD_MAX_BYTES, default 10 GiB). */
  readonly uploadMaxBytes: number;
  /** Whether /api/v1/auth/register is open (KURA_OPEN_REGISTRATION, default false). */
  readonly openRegistration: boolean;
  /**
   * Byte quota of the personal space of every new account, however it is made
   * (KURA_DEFAULT_QUOTA_BYTES, a size; default none: unlimited).
   */
  readonly defaultQuotaBytes: number | null;
  /** Versions kept per file; 0 keeps all (KURA_VERSION_CAP, default 0). */
  readonly versionCap: number;
  /** Whether PUBLIC_URL was set (else it is derived from HOST and PORT, see the start-up warning). */
  readonly publicUrlSet: boolean;
  /** pino level (LOG_LEVEL, default info). */
  readonly logLevel: string;
  /** LOG_FORMAT: auto (default: human-readable on a terminal, JSON lines otherwise), json or pretty. */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  /** How long start-up keeps retrying an unreachable PostgreSQL, ms (KURA_DB_CONNECT_TIMEOUT_SECONDS, default 60). */
  readonly dbConnectTimeoutMs: number;
  /** Seconds an unreferenced blob is kept before GC may delete it (KURA_GC_GRACE_SECONDS, default 3600). */
  readonly gcGraceSeconds: number;
  /** Seconds between periodic GC runs across all nodes together (KURA_GC_INTERVAL_SECONDS, default 600). */
  readonly gcIntervalSeconds: number;
  /** Seconds a node's claim on shared work (a periodic job, a resumable upload's assembly) lasts without renewal (KURA_JOB_LEASE_SECONDS, default 30). */
  readonly jobLeaseSeconds: number;
  /** Seconds a resolved token stays cached in one process (KURA_AUTH_CACHE_SECONDS, default 5). */
  readonly authCacheSeconds: number;
  /** argon2id cost of new password hashes (KURA_PASSWORD_COST, default m=65536,t=3,p=4; never below OWASP's floor). */
  readonly passwordCost: PasswordCost;
  /** Seconds a browser session (the cookie of POST /api/v1/session) lasts (KURA_SESSION_SECONDS, default 7 days). */
  readonly sessionSeconds: number;
  /**
   * Seconds to wait for in-flight requests on SIGTERM (KURA_SHUTDOWN_GRACE_SECONDS, default 30);
   * past them, uploads still arriving are answered 503 with Retry-After, then the process exits.
   */
  readonly shutdownGraceSeconds: number;
  /**
   * How long a file uploaded to expire unless pinned (social `POST /files`, replaced or
   * cleared slot pictures) lives without a pin, in ms (KURA_UNPINNED_TTL: seconds or a
   * duration such as 90s, 30m, 24h, 7d; default 24h).
   */
  readonly unpinnedTtlMs: number;
  /** Seconds an idle sliced upload is kept before it expires (KURA_UPLOAD_SESSION_SECONDS, default 86400). */
  readonly uploadSessionSeconds: number;
  /** Longest timeout of a lock on an item, seconds; infinite requests get it (KURA_LOCK_MAX_SECONDS, default 3600). */
  readonly lockMaxSeconds: number;
  /** Unfinished resumable uploads one user may hold open at once (KURA_UPLOAD_SESSIONS_PER_USER, default 200). */
  readonly uploadSessionsPerUser: number;
  /**
   * Bytes one user's unfinished resumable uploads may hold together: declared lengths, and
   * bytes received while a length is still to be declared (KURA_UPLOAD_PENDING_BYTES_PER_USER,
   * default 4 × UPLOAD_MAX_BYTES; at least UPLOAD_MAX_BYTES).
   */
  readonly uploadPendingBytesPerUser: number;
  /**
   * Which proxies in front of Kura may say who the client is (X-Forwarded-For), so
   * per-address limits count real clients (KURA_TRUST_PROXY: unset/false = none, a hop
   * count, or comma-separated addresses and CIDR ranges).
   */
  readonly trustProxy: false | number | string[];
  /**
   * Browser origins allowed to call the tus endpoint from their pages (KURA_CORS_ORIGINS:
   * comma-separated origins such as https://app.example.com, or `*` for any; unset = none).
   */
  readonly corsOrigins: readonly string[];
  /** Request bodies must bring `bodyMinBytes` per `bodyWindowMs` (KURA_BODY_MIN_RATE bytes/s over KURA_BODY_TIMEOUT_SECONDS). */
  readonly bodyWindowMs: number;
  readonly bodyMinBytes: number;
  /**
   * Bearer token /metrics requires (KURA_METRICS_TOKEN); undefined leaves /metrics open
   * (for a scraper on a private network).
   */
  readonly metricsToken: string | undefined;
  /** Seconds a node reuses its storage figures for /metrics (KURA_METRICS_CACHE_SECONDS, default 30). */
  readonly metricsCacheSeconds: number;
  /** The 10Centuries dialect's upload rules (docs/tencenturies.md). */
  readonly tencenturies: Readonly<{
    /** Largest file of a `POST /files/upload` in bytes (KURA_TENCENTURIES_MAX_FILE_BYTES, default 256 MiB). */
    maxFileBytes: number;
    /** The MIME types it takes, judged from the content (KURA_TENCENTURIES_MIME_TYPES, default the spec's list). */
    mimeTypes: readonly string[];
  }>;
  /**
   * Directories below which uploads by local path (OneBot `file` as a path or `file://`)
   * may read (KURA_LOCAL_UPLOAD_DIRS, comma-separated absolute paths; default none: local
   * paths are refused). Symlinks are followed and the real path must stay below one of them.
   */
  readonly localUploadDirs: readonly string[];
  /** Uploads from a URL (OneBot `file` as http(s)://): src/fetch/safe-url.ts. */
  readonly urlUpload: Readonly<{
    /** Largest body fetched (KURA_URL_UPLOAD_MAX_BYTES, default 1GiB). */
    maxBytes: number;
    /** Longest wait for a connection and the response headers, ms (KURA_URL_UPLOAD_CONNECT_TIMEOUT_SECONDS, default 10). */
    connectTimeoutMs: number;
    /** Longest whole transfer, ms (KURA_URL_UPLOAD_TIMEOUT_SECONDS, default 300). */
    timeoutMs: number;
    /**
     * Exact `address:port` endpoints that may be fetched although they are not public
     * (KURA_URL_UPLOAD_ALLOW, default none). For tests and deliberate internal sources only:
     * every entry names one IP literal and one port; ranges and wildcards are refused.
     */
    allow: readonly string[];
    /**
     * Most uploads from URLs one user has in flight at once, over all nodes (counted in the
     * database; KURA_URL_UPLOAD_MAX_PER_USER, default 4).
     */
    perUser: number;
    /** Most uploads from URLs in flight on one node, all users together (KURA_URL_UPLOAD_MAX_PER_NODE, default 32). */
    perNode: number;
  }>;
  /** Largest decoded `base64://` upload (KURA_BASE64_UPLOAD_MAX_BYTES, default 16MiB). */
  readonly base64MaxBytes: number;
  /**
   * Secret that signs download links (KURA_LINK_SECRET, at least 32 characters); default:
   * one random secret made once and kept in the database, so every node agrees.
   */
  readonly linkSecret: string | undefined;
  /** Seconds a signed download link stays valid (KURA_SIGNED_URL_SECONDS, default 3600). */
  readonly signedUrlSeconds: number;
  /**
   * New thumbnail renderings (ladder steps made from a source) one client may cause per
   * minute, across all nodes (KURA_THUMBNAIL_RENDERS_PER_MINUTE, default 120).
   */
  readonly thumbnailRendersPerMinute: number;
  /** Uploads written with O_DIRECT where the filesystem takes it (KURA_DIRECT_IO=auto, default), or never (off). */
  readonly directIo: 'auto' | 'off';
  /** `kura serve` fixes V8's heap growth factor (KURA_HEAP_TUNING=auto, default), or leaves V8's defaults (off). */
  readonly heapTuning: 'auto' | 'off';
  /** Tests only: where to kill the process (KURA_TEST_FAULT, refused unless NODE_ENV=test). */
  readonly testFault: FaultPoint | undefined;
}
