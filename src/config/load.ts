import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { ConfigError } from './parsers.js';
import { read, type Env } from './settings.js';
import type { KuraConfig } from './types.js';

/**
 * Reads an optional JSON config file (KURA_CONFIG) whose keys are the same variable names;
 * real environment variables win over the file.
 */
function withConfigFile(env: Env): Env {
  const file = read(env, 'KURA_CONFIG');
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

/** Whether one of two directories lies within the other (or they are one). */
export const overlaps = (a: string, b: string): boolean => {
  const within = (x: string, y: string) => x === y || x.startsWith(y.endsWith(sep) ? y : y + sep);
  return within(a, b) || within(b, a);
};

/** The message of a local upload directory that overlaps DATA_DIR (checked here as written, at start by real path). */
export const dataDirOverlap = (dir: string, dataDir: string) =>
  new ConfigError('KURA_LOCAL_UPLOAD_DIRS', `${dir} overlaps DATA_DIR (${dataDir}): uploads by path could read Kura's own database, blobs and staging files`);

/** The environment (and the KURA_CONFIG file) → Kura's configuration, every setting read through its declaration (settings.ts). */
export function loadConfig(rawEnv: Env = process.env): KuraConfig {
  const env = withConfigFile(rawEnv);
  const get = <K extends Parameters<typeof read>[1]>(name: K) => read(env, name);
  const port = get('PORT');
  const host = get('HOST');
  const dataDir = resolve(get('DATA_DIR'));
  const store = get('BLOB_STORE');
  const s3 = {
    endpoint: get('S3_ENDPOINT'),
    region: get('S3_REGION'),
    bucket: get('S3_BUCKET'),
    accessKeyId: get('S3_ACCESS_KEY_ID'),
    secretAccessKey: get('S3_SECRET_ACCESS_KEY'),
    forcePathStyle: get('S3_FORCE_PATH_STYLE'),
    connectTimeoutMs: get('S3_CONNECT_TIMEOUT_SECONDS') * 1000,
    idleTimeoutMs: get('S3_REQUEST_TIMEOUT_SECONDS') * 1000,
  };
  if (store === 's3') {
    if (!s3.bucket) throw new ConfigError('S3_BUCKET', 'required when BLOB_STORE=s3');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3.bucket)) throw new ConfigError('S3_BUCKET', `not a valid bucket name: "${s3.bucket}"`);
    if (!!s3.accessKeyId !== !!s3.secretAccessKey) {
      throw new ConfigError(s3.accessKeyId ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID', 'set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither');
    }
  }
  const givenPublicUrl = get('PUBLIC_URL');
  const publicUrl = (givenPublicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  const uploadMaxBytes = get('UPLOAD_MAX_BYTES');
  const uploadPendingBytesPerUser = get('KURA_UPLOAD_PENDING_BYTES_PER_USER') ?? Math.min(4 * uploadMaxBytes, Number.MAX_SAFE_INTEGER);
  if (uploadPendingBytesPerUser < uploadMaxBytes) {
    throw new ConfigError('KURA_UPLOAD_PENDING_BYTES_PER_USER', `must be at least UPLOAD_MAX_BYTES (${uploadMaxBytes}), else the largest upload could never be sent`);
  }
  const testFault = get('KURA_TEST_FAULT');
  if (testFault !== undefined && get('NODE_ENV') !== 'test') throw new ConfigError('KURA_TEST_FAULT', 'is for tests only (NODE_ENV=test)');
  const localUploadDirs = get('KURA_LOCAL_UPLOAD_DIRS');
  for (const dir of localUploadDirs) if (overlaps(dir, dataDir)) throw dataDirOverlap(dir, dataDir);
  const bodyWindowSeconds = get('KURA_BODY_TIMEOUT_SECONDS');
  return Object.freeze({
    port,
    host,
    dataDir,
    databaseUrl: get('DATABASE_URL'),
    blobStore: store,
    s3: Object.freeze(s3),
    publicUrl,
    publicUrlSet: givenPublicUrl !== undefined,
    uploadMaxBytes,
    openRegistration: get('KURA_OPEN_REGISTRATION'),
    defaultQuotaBytes: get('KURA_DEFAULT_QUOTA_BYTES'),
    versionCap: get('KURA_VERSION_CAP'),
    logLevel: get('LOG_LEVEL'),
    logFormat: get('LOG_FORMAT'),
    dbConnectTimeoutMs: get('KURA_DB_CONNECT_TIMEOUT_SECONDS') * 1000,
    gcGraceSeconds: get('KURA_GC_GRACE_SECONDS'),
    gcIntervalSeconds: get('KURA_GC_INTERVAL_SECONDS'),
    jobLeaseSeconds: get('KURA_JOB_LEASE_SECONDS'),
    authCacheSeconds: get('KURA_AUTH_CACHE_SECONDS'),
    passwordCost: get('KURA_PASSWORD_COST'),
    sessionSeconds: get('KURA_SESSION_SECONDS'),
    shutdownGraceSeconds: get('KURA_SHUTDOWN_GRACE_SECONDS'),
    unpinnedTtlMs: get('KURA_UNPINNED_TTL') * 1000,
    uploadSessionSeconds: get('KURA_UPLOAD_SESSION_SECONDS'),
    uploadSessionsPerUser: get('KURA_UPLOAD_SESSIONS_PER_USER'),
    uploadPendingBytesPerUser,
    lockMaxSeconds: get('KURA_LOCK_MAX_SECONDS'),
    trustProxy: get('KURA_TRUST_PROXY'),
    corsOrigins: Object.freeze([...get('KURA_CORS_ORIGINS')]),
    bodyWindowMs: bodyWindowSeconds * 1000,
    bodyMinBytes: get('KURA_BODY_MIN_RATE') * bodyWindowSeconds,
    metricsToken: get('KURA_METRICS_TOKEN'),
    metricsCacheSeconds: get('KURA_METRICS_CACHE_SECONDS'),
    tencenturies: Object.freeze({
      maxFileBytes: get('KURA_TENCENTURIES_MAX_FILE_BYTES'),
      mimeTypes: Object.freeze([...get('KURA_TENCENTURIES_MIME_TYPES')]),
    }),
    localUploadDirs: Object.freeze([...localUploadDirs]),
    urlUpload: Object.freeze({
      maxBytes: get('KURA_URL_UPLOAD_MAX_BYTES'),
      connectTimeoutMs: get('KURA_URL_UPLOAD_CONNECT_TIMEOUT_SECONDS') * 1000,
      timeoutMs: get('KURA_URL_UPLOAD_TIMEOUT_SECONDS') * 1000,
      allow: Object.freeze([...get('KURA_URL_UPLOAD_ALLOW')]),
      perUser: get('KURA_URL_UPLOAD_MAX_PER_USER'),
      perNode: get('KURA_URL_UPLOAD_MAX_PER_NODE'),
    }),
    base64MaxBytes: get('KURA_BASE64_UPLOAD_MAX_BYTES'),
    linkSecret: get('KURA_LINK_SECRET'),
    signedUrlSeconds: get('KURA_SIGNED_URL_SECONDS'),
    thumbnailRendersPerMinute: get('KURA_THUMBNAIL_RENDERS_PER_MINUTE'),
    directIo: get('KURA_DIRECT_IO'),
    heapTuning: get('KURA_HEAP_TUNING'),
    testFault,
  });
}
