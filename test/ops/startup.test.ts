import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { freshPostgresUrl } from '../helpers/backends.js';
import { run } from '../helpers/process.js';
import { startS3 } from '../helpers/s3-server.js';
import { bannerOf, closedPort, spawnKura } from './serve.js';

const VERSION = (JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
const pgBase = process.env.KURA_TEST_DATABASE_URL;
const SECRET = 'Pa55-w0rd-never-shown';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kura-ops-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const dir = async (name: string) => {
  const d = join(root, name);
  await mkdir(d, { recursive: true });
  return d;
};

/** `postgres://user:SECRET@host:port/db`: trust auth on the test server never asks for it. */
function withPassword(url: string, password = SECRET): string {
  const u = new URL(url);
  if (!u.username) u.username = 'postgres';
  u.password = password;
  return u.toString();
}

describe('start banner (JSON lines when stdout is not a terminal)', () => {
  it('names version, URL, /docs, data directory, database and blob store; hints at the first user until one exists', { timeout: 240_000 }, async () => {
    const dataDir = await dir('banner');
    const k = spawnKura(['serve'], { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' });
    await k.waitFor((o) => o.includes('"banner":true'));
    const records = k.records();
    expect(records.filter((r) => r.banner === true)).toHaveLength(1);
    const b = bannerOf(records)!;
    expect(b.version).toBe(VERSION);
    expect(b.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(b.msg).toBe(`Kura ${VERSION} is serving at ${String(b.url)}`);
    expect(b.docs).toBe(`${String(b.url)}/docs`);
    expect(b.dataDir).toBe(dataDir);
    expect(b.database).toBe(`SQLite ${join(dataDir, 'kura.db')}`);
    expect(b.blobStore).toBe(`local disk ${join(dataDir, 'blobs')}`);
    expect(b.hint).toMatch(/kura user add NAME --admin/);
    // No second "listening" line from Fastify, no warning with HOST=127.0.0.1.
    expect(records.some((r) => /listening/i.test(String(r.msg)))).toBe(false);
    expect(records.some((r) => r.level === 40)).toBe(false);
    expect((await fetch(`${String(b.url)}/healthz`)).status).toBe(200);
    expect((await fetch(String(b.docs))).status).toBe(200);
    expect(await k.stop()).toBe(0);

    const added = await run(['user', 'add', 'alice', '--password', 'correct horse battery', '--admin'], { DATA_DIR: dataDir });
    expect(added.code, added.stderr).toBe(0);
    const again = spawnKura(['serve'], { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' });
    await again.waitFor((o) => o.includes('"banner":true'));
    expect(bannerOf(again.records())!.hint).toBeUndefined();
    expect(await again.stop()).toBe(0);
  });

  it('LOG_FORMAT=pretty: readable lines, the banner as a block, no JSON', async () => {
    const dataDir = await dir('pretty');
    const k = spawnKura(['serve'], { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'pretty' });
    await k.waitFor((o) => o.includes('first user:'));
    const out = k.stdout();
    expect(out).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  Kura ${VERSION.replace(/\./g, '\\.')} is serving at http://127\\.0\\.0\\.1:\\d+$`, 'm'));
    expect(out).toMatch(/^ +API docs: +http:\/\/127\.0\.0\.1:\d+\/docs$/m);
    expect(out).toContain(`data directory: ${dataDir}`);
    expect(out).toMatch(/database: +SQLite /);
    expect(out).toMatch(/blob store: +local disk /);
    expect(out).not.toMatch(/^\{/m);
    // A request's access-log line is readable too.
    const url = /serving at (http:\/\/\S+)/.exec(out)![1];
    await fetch(`${url}/healthz`);
    await k.waitFor((o) => /INFO .*\/healthz/.test(o));
    expect(await k.stop()).toBe(0);
    expect(k.stdout()).toMatch(/INFO {2}shutting down: draining in-flight requests signal=SIGTERM/);
  });

  it('HOST on all interfaces without PUBLIC_URL: a warning; with PUBLIC_URL: none, and the banner links to it', async () => {
    const dataDir = await dir('host');
    const k = spawnKura(['serve'], { DATA_DIR: dataDir, PORT: '0', HOST: '0.0.0.0' });
    await k.waitFor((o) => o.includes('"banner":true'));
    const warn = k.records().find((r) => r.level === 40);
    expect(warn?.msg).toMatch(/HOST=0\.0\.0\.0 listens on all interfaces and PUBLIC_URL is unset: links Kura generates will say http:\/\/0\.0\.0\.0:0; set PUBLIC_URL/);
    expect(await k.stop()).toBe(0);

    const p = spawnKura(['serve'], { DATA_DIR: dataDir, PORT: '0', HOST: '0.0.0.0', PUBLIC_URL: 'https://files.example.test/' });
    await p.waitFor((o) => o.includes('"banner":true'));
    expect(p.records().some((r) => r.level === 40)).toBe(false);
    const b = bannerOf(p.records())!;
    expect(b.publicUrl).toBe('https://files.example.test');
    expect(b.docs).toBe('https://files.example.test/docs');
    expect(await p.stop()).toBe(0);
  });
});

describe('PostgreSQL at start', () => {
  it('closed port: retries with backoff, then "cannot connect to PostgreSQL at host:port/db", never the password', async () => {
    const port = await closedPort();
    const k = spawnKura(['serve'], { DATA_DIR: await dir('pg-closed'), PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `postgres://kura:${SECRET}@127.0.0.1:${port}/kuradb`, KURA_DB_CONNECT_TIMEOUT_SECONDS: '2' });
    expect(await k.exited).toBe(1);
    expect(k.stderr().trim()).toMatch(new RegExp(`^kura: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/kuradb: .*ECONNREFUSED`));
    const retries = k.records().filter((r) => r.level === 40 && /PostgreSQL at 127\.0\.0\.1:\d+\/kuradb is not reachable yet .*retrying in/.test(String(r.msg)));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));
    expect(k.stdout() + k.stderr()).not.toContain(SECRET);
  });

  it('KURA_DB_CONNECT_TIMEOUT_SECONDS=0: one try, no retry line', async () => {
    const port = await closedPort();
    const k = spawnKura(['serve'], { DATA_DIR: await dir('pg-once'), PORT: '0', DATABASE_URL: `postgresql://127.0.0.1:${port}/x`, KURA_DB_CONNECT_TIMEOUT_SECONDS: '0' });
    expect(await k.exited).toBe(1);
    expect(k.stderr()).toContain(`cannot connect to PostgreSQL at 127.0.0.1:${port}/x:`);
    expect(k.stdout()).not.toContain('retrying');
  });

  it.skipIf(!pgBase)('PostgreSQL that comes up while Kura waits: Kura connects and serves; the banner shows host:port/db only', async () => {
    const target = new URL(await freshPostgresUrl());
    const port = await closedPort();
    const url = new URL(withPassword(target.toString()));
    url.host = `127.0.0.1:${port}`;
    const k = spawnKura(['serve'], { DATA_DIR: await dir('pg-late'), PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url.toString(), KURA_DB_CONNECT_TIMEOUT_SECONDS: '60' });
    await k.waitFor((o) => o.includes('not reachable yet'));
    // "PostgreSQL starts": a TCP relay to the real server appears on the port Kura tries.
    const relay = await startRelay(port, target.hostname, Number(target.port || 5432));
    try {
      await k.waitFor((o) => o.includes('"banner":true'));
      const b = bannerOf(k.records())!;
      expect(b.database).toBe(`PostgreSQL 127.0.0.1:${port}${target.pathname}`);
      expect((await fetch(`${String(b.url)}/healthz`)).status).toBe(200);
      expect(await k.stop()).toBe(0);
      expect(k.stdout() + k.stderr()).not.toContain(SECRET);
    } finally {
      await k.stop();
      relay.close();
    }
  });

  it.skipIf(!pgBase)('with PostgreSQL and S3 credentials: nothing printed holds a password or secret key', async () => {
    const s3 = await startS3();
    try {
      const dbUrl = withPassword(await freshPostgresUrl());
      const env = { DATA_DIR: await dir('pg-s3'), PORT: '0', HOST: '127.0.0.1', DATABASE_URL: dbUrl, BLOB_STORE: 's3', S3_ENDPOINT: s3.endpoint, S3_BUCKET: 'kura-banner', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_FORCE_PATH_STYLE: 'true', LOG_LEVEL: 'trace' };
      const k = spawnKura(['serve'], env);
      await k.waitFor((o) => o.includes('"banner":true'));
      const b = bannerOf(k.records())!;
      expect(b.database).toBe(`PostgreSQL ${new URL(dbUrl).host}${new URL(dbUrl).pathname}`);
      expect(b.blobStore).toBe(`S3 bucket kura-banner at ${s3.endpoint}`);
      await fetch(`${String(b.url)}/healthz`);
      expect(await k.stop()).toBe(0);
      const cli = await run(['user', 'list', '--json'], env);
      expect(cli.code, cli.stderr).toBe(0);
      for (const text of [k.stdout(), k.stderr(), cli.stdout, cli.stderr]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain('S3RVER');
      }
    } finally {
      await s3.close();
    }
  });
});

describe('DATA_DIR problems at start name DATA_DIR and the path', () => {
  it('a regular file', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    const k = spawnKura(['serve'], { DATA_DIR: file, PORT: '0' });
    expect(await k.exited).toBe(1);
    expect(k.stderr().trim()).toBe(`kura: cannot use DATA_DIR=${file}: EEXIST: file already exists, mkdir '${file}'`);
  });

  it('below a regular file', async () => {
    const file = join(root, 'another-file');
    await writeFile(file, 'x');
    const k = spawnKura(['serve'], { DATA_DIR: join(file, 'data'), PORT: '0' });
    expect(await k.exited).toBe(1);
    expect(k.stderr()).toContain(`kura: cannot use DATA_DIR=${join(file, 'data')}: ENOTDIR: not a directory, mkdir '${join(file, 'data')}'`);
  });

  // Node's recursive mkdir spun at 100% CPU with no output there (issue 20, item 18).
  it.skipIf(!existsSync('/proc/self'))('a place that refuses new directories (/proc/x): fails at once, serve and init alike', async () => {
    const k = spawnKura(['serve'], { DATA_DIR: '/proc/x', PORT: '0' });
    expect(await k.exited).toBe(1);
    expect(k.stderr().trim()).toBe("kura: cannot use DATA_DIR=/proc/x: ENOENT: no such file or directory, mkdir '/proc/x'");
    const init = await run(['user', 'add', 'root', '--password', 'correct horse battery', '--admin', '--init'], { DATA_DIR: '/proc/x/deeper/data' });
    expect(init.code).not.toBe(0);
    expect(init.stderr).toContain("cannot use DATA_DIR=/proc/x/deeper/data: ENOENT: no such file or directory, mkdir '/proc/x'");
  });

  it('the SQLite file cannot be opened', async () => {
    const dataDir = await dir('db-is-a-dir');
    await mkdir(join(dataDir, 'kura.db'));
    const k = spawnKura(['serve'], { DATA_DIR: dataDir, PORT: '0' });
    expect(await k.exited).toBe(1);
    expect(k.stderr()).toContain(`kura: cannot use DATA_DIR=${dataDir}: cannot open the SQLite database ${join(dataDir, 'kura.db')}:`);
  });

  it('the local blob store cannot be made', async () => {
    const dataDir = await dir('blobs-is-a-file');
    await writeFile(join(dataDir, 'blobs'), 'x');
    const k = spawnKura(['serve'], { DATA_DIR: dataDir, PORT: '0' });
    expect(await k.exited).toBe(1);
    expect(k.stderr()).toMatch(new RegExp(`^kura: cannot use DATA_DIR=${dataDir}: .*${join(dataDir, 'blobs').replace(/[/.]/g, '\\$&')}`));
  });
});

describe('start-up settings', () => {
  it('LOG_FORMAT and KURA_DB_CONNECT_TIMEOUT_SECONDS are validated', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
    expect(loadConfig({}).dbConnectTimeoutMs).toBe(60_000);
    expect(loadConfig({ KURA_DB_CONNECT_TIMEOUT_SECONDS: '5' }).dbConnectTimeoutMs).toBe(5000);
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: expected auto, json or pretty, got "xml"/);
    expect(() => loadConfig({ KURA_DB_CONNECT_TIMEOUT_SECONDS: '-1' })).toThrow(/KURA_DB_CONNECT_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ KURA_DB_CONNECT_TIMEOUT_SECONDS: '99999' })).toThrow(/KURA_DB_CONNECT_TIMEOUT_SECONDS: must be between 0 and 3600/);
  });

  it('KURA_LOCAL_UPLOAD_DIRS that really leads into DATA_DIR (a link) stops `kura serve`', async () => {
    const dataDir = await dir('overlap-data');
    await mkdir(join(dataDir, 'inbox'), { recursive: true });
    const link = join(root, 'drop-link');
    await symlink(join(dataDir, 'inbox'), link);
    const k = spawnKura(['serve'], { DATA_DIR: dataDir, PORT: '0', KURA_LOCAL_UPLOAD_DIRS: link });
    expect(await k.exited).toBe(1);
    expect(k.stderr().trim()).toMatch(new RegExp(`^kura: invalid configuration: KURA_LOCAL_UPLOAD_DIRS: ${link} \\(really .*inbox\\) overlaps DATA_DIR \\(.*overlap-data\\): uploads by path could read Kura's own database, blobs and staging files$`));
  });

  it('an invalid setting stops `kura serve` with one line naming it', async () => {
    const k = spawnKura(['serve'], { DATA_DIR: await dir('bad'), LOG_FORMAT: 'fancy' });
    expect(await k.exited).toBe(1);
    expect(k.stderr().trim()).toBe('kura: invalid configuration: LOG_FORMAT: expected auto, json or pretty, got "fancy"');
    expect(k.stdout()).toBe('');
  });
});

/** A TCP relay on 127.0.0.1:`port` to host:targetPort. */
async function startRelay(port: number, host: string, targetPort: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection({ host, port: targetPort });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return server;
}

