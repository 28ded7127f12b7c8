// Kura's configuration: each setting declared once (config/settings.ts), read and checked
// by loadConfig (config/load.ts) into one frozen KuraConfig (config/types.ts); the core gets
// its own slice of it (coreConfig, decisions/0044). Nothing reads process.env elsewhere.
import { resolve } from 'node:path';
import type { KuraConfig } from './config/types.js';

export type { KuraConfig } from './config/types.js';
export { ConfigError, parseDurationMs, parseSize } from './config/parsers.js';
export { DECLARED, SETTINGS, TENCENTURIES_MIME_TYPES, type Env, type Setting, type SettingName } from './config/settings.js';
export { dataDirOverlap, loadConfig, overlaps } from './config/load.js';
export { settingsTable } from './config/docs.js';

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
    passwordCost: c.passwordCost,
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
