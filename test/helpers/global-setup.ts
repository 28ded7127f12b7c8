import { tmpdir } from 'node:os';
import pg from 'pg';
import { openDatabase } from '../../src/store/db.js';
import { withDatabase } from './backends.js';
import { hashTestPassword } from './password.js';

/**
 * Runs once before the suite. With KURA_TEST_DATABASE_URL set, PostgreSQL must answer
 * (the run fails otherwise) and every integration test also runs on it, each test file in
 * a database of its own; without it, the run says plainly that PostgreSQL was not covered.
 * It also hashes the test password once (KURA_TEST_PASSWORD_HASH, see password.ts) and
 * migrates one PostgreSQL database that test files copy (KURA_TEST_PG_TEMPLATE).
 */
export default async function setup(): Promise<() => Promise<void>> {
  process.env.KURA_TEST_PASSWORD_HASH = await hashTestPassword();
  const url = process.env.KURA_TEST_DATABASE_URL;
  if (!url) {
    process.stderr.write('\n*** KURA_TEST_DATABASE_URL is not set: PostgreSQL was NOT covered; every test runs on SQLite only. ***\n\n');
    return async () => undefined;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (e) {
    throw new Error(`KURA_TEST_DATABASE_URL is set but PostgreSQL cannot be reached at ${url}: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  process.stderr.write(`\nPostgreSQL covered: integration tests run on SQLite and on ${url.replace(/\/\/[^@]*@/, '//')}\n\n`);
  const runTag = `kura_t${Date.now().toString(36)}`;
  process.env.KURA_TEST_RUN_TAG = runTag;
  process.env.KURA_TEST_PG_TEMPLATE = await migratedTemplate(url, runTag);
  return async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const dbs = await c.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${runTag}%`]);
    for (const { datname } of dbs.rows) await c.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
    await c.end();
  };
}

/** A database of the run with every migration applied and no connection left open: the template of `freshPostgresUrl({ migrated: true })`. */
async function migratedTemplate(url: string, runTag: string): Promise<string> {
  const name = `${runTag}_template`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`create database "${name}"`);
  } finally {
    await c.end();
  }
  const db = await openDatabase({ dataDir: tmpdir(), databaseUrl: withDatabase(url, name), poolSize: 1 });
  await db.close();
  return name;
}
