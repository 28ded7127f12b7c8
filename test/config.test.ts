import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseSize } from '../src/config.js';

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
});
