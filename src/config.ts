import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { isAbsolute, resolve, sep } from 'node:path';
import { FAULT_POINTS, type FaultPoint } from './faults.js';

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
  /** Seconds a node holds a periodic job's lease without renewing it (KURA_JOB_LEASE_SECONDS, default 30). */
  readonly jobLeaseSeconds: number;
  /** Seconds a resolved token stays cached in one process (KURA_AUTH_CACHE_SECONDS, default 5). */
  readonly authCacheSeconds: number;
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
  /** Tests only: where to kill the process (KURA_TEST_FAULT, refused unless NODE_ENV=test). */
  readonly testFault: FaultPoint | undefined;
}

export type Env = Record<string, string | undefined>;

/**
 * Every variable Kura reads, in the README's order. The deployment files (deploy/, Dockerfile,
 * compose.yaml) may set only these, and deploy/kura.env.example lists each (test/ops checks both).
 */
export const SETTINGS = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'KURA_DB_CONNECT_TIMEOUT_SECONDS',
  'BLOB_STORE',
  'S3_ENDPOINT',
  'S3_REGION',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_FORCE_PATH_STYLE',
  'S3_CONNECT_TIMEOUT_SECONDS',
  'S3_REQUEST_TIMEOUT_SECONDS',
  'PUBLIC_URL',
  'UPLOAD_MAX_BYTES',
  'KURA_OPEN_REGISTRATION',
  'KURA_DEFAULT_QUOTA_BYTES',
  'KURA_VERSION_CAP',
  'KURA_GC_GRACE_SECONDS',
  'KURA_AUTH_CACHE_SECONDS',
  'KURA_SESSION_SECONDS',
  'KURA_SHUTDOWN_GRACE_SECONDS',
  'KURA_TRUST_PROXY',
  'KURA_BODY_TIMEOUT_SECONDS',
  'KURA_BODY_MIN_RATE',
  'KURA_UPLOAD_SESSION_SECONDS',
  'KURA_UPLOAD_SESSIONS_PER_USER',
  'KURA_UPLOAD_PENDING_BYTES_PER_USER',
  'KURA_LOCK_MAX_SECONDS',
  'KURA_GC_INTERVAL_SECONDS',
  'KURA_JOB_LEASE_SECONDS',
  'KURA_UNPINNED_TTL',
  'KURA_CORS_ORIGINS',
  'KURA_METRICS_TOKEN',
  'KURA_METRICS_CACHE_SECONDS',
  'KURA_TENCENTURIES_MAX_FILE_BYTES',
  'KURA_TENCENTURIES_MIME_TYPES',
  'KURA_LOCAL_UPLOAD_DIRS',
  'KURA_URL_UPLOAD_MAX_BYTES',
  'KURA_URL_UPLOAD_CONNECT_TIMEOUT_SECONDS',
  'KURA_URL_UPLOAD_TIMEOUT_SECONDS',
  'KURA_URL_UPLOAD_ALLOW',
  'KURA_URL_UPLOAD_MAX_PER_USER',
  'KURA_URL_UPLOAD_MAX_PER_NODE',
  'KURA_BASE64_UPLOAD_MAX_BYTES',
  'KURA_LINK_SECRET',
  'KURA_SIGNED_URL_SECONDS',
  'KURA_THUMBNAIL_RENDERS_PER_MINUTE',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'KURA_CONFIG',
  'NODE_ENV',
  'KURA_TEST_FAULT',
] as const;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`invalid configuration: ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 };

/**
 * "10GiB", "512m", "1048576" → bytes; undefined when malformed. Every unit is binary,
 * however spelled: `10GB` is 10 GiB (README says so).
 */
export function parseSize(v: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  if (!m) return undefined;
  const unit = SIZE_UNITS[m[2].toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a URL: "${raw}"`);
  }
  if (!protocols.includes(u.protocol)) throw new ConfigError(name, `expected ${protocols.join(' or ')} URL, got "${u.protocol}"`);
  return raw;
}

const IPV4_CIDR = /^(\d{1,3})(\.\d{1,3}){3}(\/(3[0-2]|[12]?\d))?$/;

function trustProxy(env: Env): false | number | string[] {
  const raw = (env.KURA_TRUST_PROXY ?? '').trim();
  if (raw === '' || ['false', 'no', 'off', '0'].includes(raw.toLowerCase())) return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const list = raw.split(',').map((a) => a.trim()).filter(Boolean);
  for (const a of list) {
    const [addr, bits] = a.split('/');
    const ok = (isIPv4(addr) && IPV4_CIDR.test(a)) || (isIPv6(addr) && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= 128)));
    if (!ok) throw new ConfigError('KURA_TRUST_PROXY', `expected false, a hop count or addresses/CIDR ranges, got "${a}"`);
  }
  return list;
}

function size(env: Env, name: string, def: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = parseSize(raw);
  if (n === undefined || n < 1) throw new ConfigError(name, `expected a size such as 1048576 or 10GiB (units are binary: 10GB = 10GiB), got "${raw}"`);
  return n;
}

/** Whether one of two directories lies within the other (or they are one). */
export const overlaps = (a: string, b: string): boolean => {
  const within = (x: string, y: string) => x === y || x.startsWith(y.endsWith(sep) ? y : y + sep);
  return within(a, b) || within(b, a);
};

/** The message of a local upload directory that overlaps DATA_DIR (checked here as written, at start by real path). */
export const dataDirOverlap = (dir: string, dataDir: string) =>
  new ConfigError('KURA_LOCAL_UPLOAD_DIRS', `${dir} overlaps DATA_DIR (${dataDir}): uploads by path could read Kura's own database, blobs and staging files`);

function localDirs(env: Env, dataDir: string): string[] {
  const raw = (env.KURA_LOCAL_UPLOAD_DIRS ?? '').trim();
  if (raw === '') return [];
  return raw.split(',').map((d) => {
    const dir = d.trim();
    if (!isAbsolute(dir)) throw new ConfigError('KURA_LOCAL_UPLOAD_DIRS', `expected absolute directories, got "${dir}"`);
    const r = resolve(dir);
    if (r === '/' || r === resolve('/')) throw new ConfigError('KURA_LOCAL_UPLOAD_DIRS', 'the root directory cannot be allowed whole');
    if (overlaps(r, dataDir)) throw dataDirOverlap(r, dataDir);
    return r;
  });
}

/** `127.0.0.1:8080`, `[::1]:8080`: one IP literal and one port each, nothing broader. */
function fetchAllow(env: Env): string[] {
  const raw = (env.KURA_URL_UPLOAD_ALLOW ?? '').trim();
  if (raw === '') return [];
  return raw.split(',').map((e) => {
    const entry = e.trim();
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(entry);
    const addr = m ? (m[1] ?? m[2]) : '';
    const port = m ? Number(m[3]) : 0;
    if (!m || !(isIPv4(addr) || isIPv6(addr)) || port < 1 || port > 65535 || addr === '0.0.0.0' || /^[:0]+$/.test(addr)) {
      throw new ConfigError('KURA_URL_UPLOAD_ALLOW', `expected IP:port entries such as 127.0.0.1:8080 or [::1]:8080 (no ranges, no wildcards), got "${entry}"`);
    }
    return isIPv6(addr) ? `[${addr.toLowerCase()}]:${port}` : `${addr}:${port}`;
  });
}

/**
 * Reads an optional JSON config file (KURA_CONFIG) whose keys are the same variable names;
 * real environment variables win over the file.
 */
/** The MIME types the 10Centuries spec lists as supported. */
export const TENCENTURIES_MIME_TYPES: readonly string[] = [
  'audio/mp3',
  'audio/mp4',
  'audio/m4a',
  'audio/x-mp3',
  'audio/x-mp4',
  'audio/mpeg',
  'audio/x-m4a',
  'image/gif',
  'image/x-gif',
  'image/jpg',
  'image/jpeg',
  'image/png',
  'image/tiff',
  'image/bmp',
  'image/x-windows-bmp',
  'video/quicktime',
  'video/m4a',
  'video/m4v',
  'video/mp4',
  'application/x-mpegurl',
  'video/mp2t',
];

function mimeList(env: Env, name: string, def: readonly string[]): readonly string[] {
  const v = env[name];
  if (v === undefined || v.trim() === '') return Object.freeze([...def]);
  const list = v.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
  for (const t of list) if (!/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(t)) throw new ConfigError(name, `not a MIME type: "${t}"`);
  return Object.freeze(list);
}

function corsOrigins(env: Env): readonly string[] {
  const v = env.KURA_CORS_ORIGINS?.trim();
  if (!v) return Object.freeze([]);
  if (v === '*') return Object.freeze(['*']);
  const out: string[] = [];
  for (const raw of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new ConfigError('KURA_CORS_ORIGINS', `not an origin: "${raw}" (expected e.g. https://app.example.com, or * alone)`);
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.origin !== raw.replace(/\/+$/, '')) {
      throw new ConfigError('KURA_CORS_ORIGINS', `not an origin: "${raw}" (scheme, host and port only, e.g. https://app.example.com)`);
    }
    out.push(u.origin);
  }
  return Object.freeze(out);
}

function withConfigFile(env: Env): Env {
  const file = env.KURA_CONFIG;
  if (!file) return env;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError('KURA_CONFIG', `cannot read ${file}: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('KURA_CONFIG', `${file} must hold a JSON object`);
  }
  const merged: Env = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v !== null && typeof v === 'object') throw new ConfigError(k, `in ${file}: must be a string, number or boolean`);
    merged[k] = v === null ? undefined : String(v);
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return merged;
}

const DURATION_UNITS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "3600", "90s", "30m", "24h", "7d" → ms; undefined when malformed. */
export function parseDurationMs(v: string): number | undefined {
  const m = /^\s*(\d{1,9})\s*([smhdw]?)\s*$/.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[m[2]];
}

function duration(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const ms = parseDurationMs(raw);
  if (ms === undefined || ms < min || ms > max) throw new ConfigError(name, `expected seconds or a duration such as 90s, 30m, 24h or 7d between ${min / 1000} s and ${max / 86_400_000} days, got "${raw}"`);
  return ms;
}

function linkSecret(env: Env): string | undefined {
  const raw = env.KURA_LINK_SECRET;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 32) throw new ConfigError('KURA_LINK_SECRET', 'must be at least 32 characters');
  return raw;
}

export function loadConfig(rawEnv: Env = process.env): KuraConfig {
  const env = withConfigFile(rawEnv);
  const port = int(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const dataDir = resolve(env.DATA_DIR || './data');
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const store = (env.BLOB_STORE || 'local').trim();
  if (store !== 'local' && store !== 's3') throw new ConfigError('BLOB_STORE', `expected local or s3, got "${store}"`);
  const s3 = {
    endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
    region: env.S3_REGION || 'us-east-1',
    bucket: env.S3_BUCKET || '',
    accessKeyId: env.S3_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
    forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', false),
    connectTimeoutMs: int(env, 'S3_CONNECT_TIMEOUT_SECONDS', 5, 1, 3600) * 1000,
    idleTimeoutMs: int(env, 'S3_REQUEST_TIMEOUT_SECONDS', 60, 1, 3600) * 1000,
  };
  if (store === 's3') {
    if (!s3.bucket) throw new ConfigError('S3_BUCKET', 'required when BLOB_STORE=s3');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3.bucket)) throw new ConfigError('S3_BUCKET', `not a valid bucket name: "${s3.bucket}"`);
    if (!!s3.accessKeyId !== !!s3.secretAccessKey) {
      throw new ConfigError(s3.accessKeyId ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID', 'set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither');
    }
  }
  const givenPublicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:']);
  const publicUrlSet = givenPublicUrl !== undefined;
  const publicUrl = (givenPublicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  let uploadMaxBytes = 10 * 1024 ** 3;
  if (env.UPLOAD_MAX_BYTES) {
    const n = parseSize(env.UPLOAD_MAX_BYTES);
    if (n === undefined || n < 1) throw new ConfigError('UPLOAD_MAX_BYTES', `expected a size such as 1048576 or 10GiB (units are binary: 10GB = 10GiB), got "${env.UPLOAD_MAX_BYTES}"`);
    uploadMaxBytes = n;
  }
  const uploadPendingBytesPerUser = size(env, 'KURA_UPLOAD_PENDING_BYTES_PER_USER', Math.min(4 * uploadMaxBytes, Number.MAX_SAFE_INTEGER));
  if (uploadPendingBytesPerUser < uploadMaxBytes) {
    throw new ConfigError('KURA_UPLOAD_PENDING_BYTES_PER_USER', `must be at least UPLOAD_MAX_BYTES (${uploadMaxBytes}), else the largest upload could never be sent`);
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected fatal, error, warn, info, debug, trace or silent, got "${logLevel}"`);
  }
  const logFormat = (env.LOG_FORMAT || 'auto').trim().toLowerCase();
  if (logFormat !== 'auto' && logFormat !== 'json' && logFormat !== 'pretty') throw new ConfigError('LOG_FORMAT', `expected auto, json or pretty, got "${env.LOG_FORMAT}"`);
  const bodyWindowSeconds = int(env, 'KURA_BODY_TIMEOUT_SECONDS', 30, 1, 3600);
  const fault = env.KURA_TEST_FAULT || undefined;
  if (fault !== undefined) {
    if (env.NODE_ENV !== 'test') throw new ConfigError('KURA_TEST_FAULT', 'is for tests only (NODE_ENV=test)');
    if (!(FAULT_POINTS as readonly string[]).includes(fault)) throw new ConfigError('KURA_TEST_FAULT', `expected one of ${FAULT_POINTS.join(', ')}, got "${fault}"`);
  }
  const metricsToken = env.KURA_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,256}$/.test(metricsToken)) {
    throw new ConfigError('KURA_METRICS_TOKEN', 'expected 16 to 256 printable characters without spaces (e.g. openssl rand -hex 32)');
  }
  return Object.freeze({
    port,
    host,
    dataDir,
    databaseUrl,
    blobStore: store,
    s3: Object.freeze(s3),
    publicUrl,
    publicUrlSet,
    uploadMaxBytes,
    openRegistration: bool(env, 'KURA_OPEN_REGISTRATION', false),
    defaultQuotaBytes: env.KURA_DEFAULT_QUOTA_BYTES ? size(env, 'KURA_DEFAULT_QUOTA_BYTES', 0) : null,
    versionCap: int(env, 'KURA_VERSION_CAP', 0, 0, 1_000_000),
    logLevel,
    logFormat: logFormat as KuraConfig['logFormat'],
    dbConnectTimeoutMs: int(env, 'KURA_DB_CONNECT_TIMEOUT_SECONDS', 60, 0, 3600) * 1000,
    gcGraceSeconds: int(env, 'KURA_GC_GRACE_SECONDS', 3600, 0, 365 * 86400),
    gcIntervalSeconds: int(env, 'KURA_GC_INTERVAL_SECONDS', 600, 1, 7 * 86400),
    jobLeaseSeconds: int(env, 'KURA_JOB_LEASE_SECONDS', 30, 3, 3600),
    authCacheSeconds: int(env, 'KURA_AUTH_CACHE_SECONDS', 5, 0, 3600),
    sessionSeconds: int(env, 'KURA_SESSION_SECONDS', 7 * 86400, 60, 365 * 86400),
    shutdownGraceSeconds: int(env, 'KURA_SHUTDOWN_GRACE_SECONDS', 30, 0, 3600),
    unpinnedTtlMs: duration(env, 'KURA_UNPINNED_TTL', 86_400_000, 1000, 365 * 86_400_000),
    uploadSessionSeconds: int(env, 'KURA_UPLOAD_SESSION_SECONDS', 86400, 1, 30 * 86400),
    uploadSessionsPerUser: int(env, 'KURA_UPLOAD_SESSIONS_PER_USER', 200, 1, 1_000_000),
    uploadPendingBytesPerUser,
    lockMaxSeconds: int(env, 'KURA_LOCK_MAX_SECONDS', 3600, 1, 7 * 86400),
    trustProxy: trustProxy(env),
    corsOrigins: corsOrigins(env),
    bodyWindowMs: bodyWindowSeconds * 1000,
    bodyMinBytes: int(env, 'KURA_BODY_MIN_RATE', 1024, 0, 1024 ** 3) * bodyWindowSeconds,
    metricsToken,
    metricsCacheSeconds: int(env, 'KURA_METRICS_CACHE_SECONDS', 30, 0, 3600),
    tencenturies: Object.freeze({
      maxFileBytes: size(env, 'KURA_TENCENTURIES_MAX_FILE_BYTES', 256 * 1024 ** 2),
      mimeTypes: mimeList(env, 'KURA_TENCENTURIES_MIME_TYPES', TENCENTURIES_MIME_TYPES),
    }),
    localUploadDirs: Object.freeze(localDirs(env, dataDir)),
    urlUpload: Object.freeze({
      maxBytes: size(env, 'KURA_URL_UPLOAD_MAX_BYTES', 1024 ** 3),
      connectTimeoutMs: int(env, 'KURA_URL_UPLOAD_CONNECT_TIMEOUT_SECONDS', 10, 1, 3600) * 1000,
      timeoutMs: int(env, 'KURA_URL_UPLOAD_TIMEOUT_SECONDS', 300, 1, 86400) * 1000,
      allow: Object.freeze(fetchAllow(env)),
      perUser: int(env, 'KURA_URL_UPLOAD_MAX_PER_USER', 4, 1, 10_000),
      perNode: int(env, 'KURA_URL_UPLOAD_MAX_PER_NODE', 32, 1, 100_000),
    }),
    base64MaxBytes: size(env, 'KURA_BASE64_UPLOAD_MAX_BYTES', 16 * 1024 ** 2),
    linkSecret: linkSecret(env),
    signedUrlSeconds: int(env, 'KURA_SIGNED_URL_SECONDS', 3600, 10, 30 * 86400),
    thumbnailRendersPerMinute: int(env, 'KURA_THUMBNAIL_RENDERS_PER_MINUTE', 120, 1, 1_000_000),
    testFault: fault as FaultPoint | undefined,
  });
}

/**
 * The core's slice of the configuration (the core's `CoreConfig`, decisions/0044): only
 * what the core reads. runtime.ts hands it to createCore, which checks its shape.
 */
export function coreConfig(c: KuraConfig) {
  return Object.freeze({
    uploadMaxBytes: c.uploadMaxBytes,
    openRegistration: c.openRegistration,
    defaultQuotaBytes: c.defaultQuotaBytes,
    versionCap: c.versionCap,
    gcGraceSeconds: c.gcGraceSeconds,
    gcIntervalSeconds: c.gcIntervalSeconds,
    jobLeaseSeconds: c.jobLeaseSeconds,
    authCacheSeconds: c.authCacheSeconds,
    sessionSeconds: c.sessionSeconds,
    unpinnedTtlMs: c.unpinnedTtlMs,
    uploadSessionSeconds: c.uploadSessionSeconds,
    lockMaxSeconds: c.lockMaxSeconds,
    uploadSessionsPerUser: c.uploadSessionsPerUser,
    uploadPendingBytesPerUser: c.uploadPendingBytesPerUser,
    metricsCacheSeconds: c.metricsCacheSeconds,
    urlUpload: Object.freeze({ perUser: c.urlUpload.perUser, perNode: c.urlUpload.perNode, timeoutMs: c.urlUpload.timeoutMs }),
    linkSecret: c.linkSecret,
    signedUrlSeconds: c.signedUrlSeconds,
    thumbnailRendersPerMinute: c.thumbnailRendersPerMinute,
  });
}

/** Where the metadata lives, for people: never the password. */
export function describeDatabase(config: KuraConfig): string {
  if (!config.databaseUrl) return `SQLite ${resolve(config.dataDir, 'kura.db')}`;
  const u = new URL(config.databaseUrl);
  return `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/** Where the bytes live, for people: never a secret. */
export function describeBlobStore(config: KuraConfig): string {
  return config.blobStore === 's3' ? `S3 bucket ${config.s3.bucket}${config.s3.endpoint ? ` at ${new URL(config.s3.endpoint).origin}` : ''}` : `local disk ${resolve(config.dataDir, 'blobs')}`;
}
