import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, coreConfig, DECLARED, loadConfig, parseDurationMs, parseSize, SETTINGS } from '../src/config.js';

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', blobStore: 'local', databaseUrl: undefined, openRegistration: false, uploadMaxBytes: 10 * 1024 ** 3 });
    expect(c.dataDir).toMatch(/data$/);
    expect(Object.isFrozen(c)).toBe(true);
    expect(c.publicUrl).toBe('http://127.0.0.1:8080');
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['BLOB_STORE', 'ftp'],
    ['UPLOAD_MAX_BYTES', 'a lot'],
    ['KURA_OPEN_REGISTRATION', 'maybe'],
    ['PUBLIC_URL', 'ftp://x'],
    ['LOG_LEVEL', 'loud'],
  ])('names %s when it is invalid (%s)', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('needs a valid bucket and both keys for S3', () => {
    expect(() => loadConfig({ BLOB_STORE: 's3' })).toThrow('S3_BUCKET');
    expect(() => loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'Bad_Bucket' })).toThrow('S3_BUCKET');
    expect(() => loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'kura', S3_ACCESS_KEY_ID: 'x' })).toThrow('S3_SECRET_ACCESS_KEY');
    const c = loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'kura', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true' });
    expect(c.s3).toMatchObject({ bucket: 'kura', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, region: 'us-east-1' });
  });

  it('reads sizes with units', () => {
    expect(parseSize('10GiB')).toBe(10 * 1024 ** 3);
    expect(parseSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseSize('100')).toBe(100);
    expect(parseSize('1.5k')).toBe(1536);
    expect(parseSize('ten')).toBeUndefined();
    expect(loadConfig({ UPLOAD_MAX_BYTES: '2MiB' }).uploadMaxBytes).toBe(2 * 1024 * 1024);
  });

  it('caps each user\'s unfinished uploads: 200 sessions and 4 × UPLOAD_MAX_BYTES by default, never below UPLOAD_MAX_BYTES', () => {
    expect(loadConfig({})).toMatchObject({ uploadSessionsPerUser: 200, uploadPendingBytesPerUser: 40 * 1024 ** 3 });
    expect(loadConfig({ UPLOAD_MAX_BYTES: '1MiB' }).uploadPendingBytesPerUser).toBe(4 * 1024 ** 2);
    expect(loadConfig({ KURA_UPLOAD_SESSIONS_PER_USER: '5', KURA_UPLOAD_PENDING_BYTES_PER_USER: '20GiB' })).toMatchObject({ uploadSessionsPerUser: 5, uploadPendingBytesPerUser: 20 * 1024 ** 3 });
    expect(() => loadConfig({ KURA_UPLOAD_SESSIONS_PER_USER: '0' })).toThrow('KURA_UPLOAD_SESSIONS_PER_USER');
    expect(() => loadConfig({ UPLOAD_MAX_BYTES: '2GiB', KURA_UPLOAD_PENDING_BYTES_PER_USER: '1GiB' })).toThrow('KURA_UPLOAD_PENDING_BYTES_PER_USER');
  });

  it('KURA_PASSWORD_COST: the library default, else m,t,p in any order, never below the floor', () => {
    expect(loadConfig({}).passwordCost).toEqual({ m: 65536, t: 3, p: 4 });
    expect(loadConfig({ KURA_PASSWORD_COST: 'm=19456,t=2,p=1' }).passwordCost).toEqual({ m: 19456, t: 2, p: 1 });
    expect(loadConfig({ KURA_PASSWORD_COST: ' p=2, t=4 ,m=131072' }).passwordCost).toEqual({ m: 131072, t: 4, p: 2 });
    expect(coreConfig(loadConfig({ KURA_PASSWORD_COST: 'm=19456,t=2,p=1' })).passwordCost).toEqual({ m: 19456, t: 2, p: 1 });
    for (const bad of ['m=19455,t=2,p=1', 'm=65536,t=1,p=4', 'm=65536,t=3,p=0', 'm=65536,t=3', 'm=1,m=2,t=3,p=4', 'cheap', 'm=65536;t=3;p=4', 'm=99999999,t=3,p=4', 'm=65536,t=3,p=256']) {
      expect(() => loadConfig({ KURA_PASSWORD_COST: bad }), bad).toThrow(/KURA_PASSWORD_COST/);
    }
  });

  it('KURA_DEFAULT_QUOTA_BYTES: none by default, else a size', () => {
    expect(loadConfig({}).defaultQuotaBytes).toBeNull();
    expect(loadConfig({ KURA_DEFAULT_QUOTA_BYTES: '10GiB' }).defaultQuotaBytes).toBe(10 * 1024 ** 3);
    expect(() => loadConfig({ KURA_DEFAULT_QUOTA_BYTES: 'lots' })).toThrow(/KURA_DEFAULT_QUOTA_BYTES/);
  });

  it('reads an optional JSON config file; the environment wins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kura-conf-'));
    const file = join(dir, 'kura.json');
    await writeFile(file, JSON.stringify({ PORT: 9090, HOST: '0.0.0.0', KURA_OPEN_REGISTRATION: true }));
    const c = loadConfig({ KURA_CONFIG: file, HOST: '127.0.0.2' });
    expect(c).toMatchObject({ port: 9090, host: '127.0.0.2', openRegistration: true });
    await writeFile(file, '{not json');
    expect(() => loadConfig({ KURA_CONFIG: file })).toThrow('KURA_CONFIG');
    expect(() => loadConfig({ KURA_CONFIG: join(dir, 'missing.json') })).toThrow('KURA_CONFIG');
  });

  it('one size parser for every size and one duration parser for every duration', () => {
    const sizes = SETTINGS.filter((n) => n.includes('_BYTES'));
    const durations = SETTINGS.filter((n) => n.endsWith('_SECONDS') || n === 'KURA_UNPINNED_TTL');
    expect(sizes.length).toBeGreaterThanOrEqual(6);
    expect(durations.length).toBeGreaterThanOrEqual(15);
    for (const name of sizes) {
      const parse = (v: string) => DECLARED[name].parse(v, name);
      for (const [v, bytes] of [['1048576', 1048576], ['1MiB', 1048576], ['1mb', 1048576], ['1M', 1048576], ['1.5k', 1536], ['1GB', 1024 ** 3]] as const) expect(parse(v), `${name}=${v}`).toBe(bytes);
      for (const v of ['ten', '0', '1 PB', '-1']) expect(() => parse(v), `${name}=${v}`).toThrow(name);
    }
    for (const name of durations) {
      const parse = (v: string) => DECLARED[name].parse(v, name);
      // Every setting's default is within its range: the unit forms of it must read the same.
      const def = DECLARED[name].default as number;
      const seconds = name === 'KURA_UNPINNED_TTL' ? 86400 : def;
      expect(parse(String(seconds)), name).toBe(seconds);
      expect(parse(`${seconds}s`), name).toBe(seconds);
      if (seconds % 60 === 0) expect(parse(`${seconds / 60}m`), name).toBe(seconds);
      for (const v of ['soon', '-5', '1.5h', '10x', '5 minutes']) expect(() => parse(v), `${name}=${v}`).toThrow(ConfigError);
      expect(() => parse('999w'), name).toThrow(/must be between/);
    }
    expect(parseDurationMs('2w')).toBe(14 * 86_400_000);
    expect(loadConfig({ KURA_SESSION_SECONDS: '30d', KURA_GC_GRACE_SECONDS: '2h', KURA_UNPINNED_TTL: '90s' })).toMatchObject({ sessionSeconds: 30 * 86400, gcGraceSeconds: 7200, unpinnedTtlMs: 90_000 });
  });

  it('KURA_DIRECT_IO and KURA_HEAP_TUNING: auto by default, off, nothing else', () => {
    expect(loadConfig({})).toMatchObject({ directIo: 'auto', heapTuning: 'auto' });
    expect(loadConfig({ KURA_DIRECT_IO: 'off', KURA_HEAP_TUNING: ' OFF ' })).toMatchObject({ directIo: 'off', heapTuning: 'off' });
    expect(() => loadConfig({ KURA_DIRECT_IO: 'on' })).toThrow(/KURA_DIRECT_IO: expected auto or off, got "on"/);
    expect(() => loadConfig({ KURA_HEAP_TUNING: 'false' })).toThrow(/KURA_HEAP_TUNING/);
  });

  it("the core's slice holds its limits and lifetimes, nothing about addresses, directories, other systems or logs", () => {
    const c = loadConfig({ KURA_URL_UPLOAD_MAX_PER_USER: '7', KURA_LOCK_MAX_SECONDS: '2h' });
    const slice = coreConfig(c);
    expect(Object.isFrozen(slice)).toBe(true);
    expect(slice).toMatchObject({ uploadMaxBytes: c.uploadMaxBytes, lockMaxSeconds: 7200, urlUpload: { perUser: 7, perNode: 32, timeoutMs: 300_000 } });
    for (const key of ['port', 'host', 'dataDir', 'databaseUrl', 's3', 'publicUrl', 'logLevel', 'logFormat', 'metricsToken', 'localUploadDirs', 'testFault', 'directIo', 'heapTuning']) expect(slice, key).not.toHaveProperty(key);
    expect(slice.urlUpload).not.toHaveProperty('allow');
  });
});
