import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { FAULT_POINTS, type FaultPoint } from './core/index.js';

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
  /** Seconds a resolved token stays cached in one process (KURA_AUTH_CACHE_SECONDS, default 5). */
  readonly authCacheSeconds: number;
  /** Seconds to wait for in-flight requests on SIGTERM (KURA_SHUTDOWN_GRACE_SECONDS, default 30). */
  readonly shutdownGraceSeconds: number;
  /** Seconds an idle sliced upload is kept before it expires (KURA_UPLOAD_SESSION_SECONDS, default 86400). */
  readonly uploadSessionSeconds: number;
  /**
   * Which proxies in front of Kura may say who the client is (X-Forwarded-For), so
   * per-address limits count real clients (KURA_TRUST_PROXY: unset/false = none, a hop
   * count, or comma-separated addresses and CIDR ranges).
   */
  readonly trustProxy: false | number | string[];
  /** Request bodies must bring `bodyMinBytes` per `bodyWindowMs` (KURA_BODY_MIN_RATE bytes/s over KURA_BODY_TIMEOUT_SECONDS). */
  readonly bodyWindowMs: number;
  readonly bodyMinBytes: number;
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
  'KURA_VERSION_CAP',
  'KURA_GC_GRACE_SECONDS',
  'KURA_AUTH_CACHE_SECONDS',
  'KURA_SHUTDOWN_GRACE_SECONDS',
  'KURA_TRUST_PROXY',
  'KURA_BODY_TIMEOUT_SECONDS',
  'KURA_BODY_MIN_RATE',
  'KURA_UPLOAD_SESSION_SECONDS',
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

/** "10GiB", "512m", "1048576" → bytes; undefined when malformed. */
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

/**
 * Reads an optional JSON config file (KURA_CONFIG) whose keys are the same variable names;
 * real environment variables win over the file.
 */
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
    if (n === undefined || n < 1) throw new ConfigError('UPLOAD_MAX_BYTES', `expected a size such as 1048576 or 10GiB, got "${env.UPLOAD_MAX_BYTES}"`);
    uploadMaxBytes = n;
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
    versionCap: int(env, 'KURA_VERSION_CAP', 0, 0, 1_000_000),
    logLevel,
    logFormat: logFormat as KuraConfig['logFormat'],
    dbConnectTimeoutMs: int(env, 'KURA_DB_CONNECT_TIMEOUT_SECONDS', 60, 0, 3600) * 1000,
    gcGraceSeconds: int(env, 'KURA_GC_GRACE_SECONDS', 3600, 0, 365 * 86400),
    authCacheSeconds: int(env, 'KURA_AUTH_CACHE_SECONDS', 5, 0, 3600),
    shutdownGraceSeconds: int(env, 'KURA_SHUTDOWN_GRACE_SECONDS', 30, 0, 3600),
    uploadSessionSeconds: int(env, 'KURA_UPLOAD_SESSION_SECONDS', 86400, 1, 30 * 86400),
    trustProxy: trustProxy(env),
    bodyWindowMs: bodyWindowSeconds * 1000,
    bodyMinBytes: int(env, 'KURA_BODY_MIN_RATE', 1024, 0, 1024 ** 3) * bodyWindowSeconds,
    testFault: fault as FaultPoint | undefined,
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
