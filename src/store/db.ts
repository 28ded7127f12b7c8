import { existsSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { MetadataStore } from '../core/index.js';
import { makeDirs } from '../dirs.js';
import { metadataStore } from './metadata.js';
import { migrationProvider } from './migrations/index.js';
import { sqliteStatements } from './sqlite-statements.js';
import type { Schema } from './schema.js';

export interface Database {
  readonly dialect: 'sqlite' | 'postgres';
  /** What the core uses: repositories in its own words. */
  readonly store: MetadataStore;
  /** The Kysely handle itself, for tools and tests that inspect rows. Never given to the core. */
  readonly db: Kysely<Schema>;
  close(): Promise<void>;
}

// PostgreSQL returns bigint and numeric as strings; our values fit a JS number exactly
// (ids are 53-bit, sizes are far below 2^53).
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface OpenOptions {
  dataDir: string;
  databaseUrl?: string;
  /** Pool size for PostgreSQL. */
  poolSize?: number;
  /**
   * Refuse to create a new database: admin commands run from the wrong folder (or with the
   * wrong DATABASE_URL) must not silently show an empty system.
   */
  mustExist?: boolean;
  /** How long to keep retrying an unreachable PostgreSQL before giving up, ms (default 0: one try). */
  connectTimeoutMs?: number;
  /** Told before each retry (start-up logs it). */
  onRetry?: (r: ConnectRetry) => void;
  /** SQLite in memory instead of `dataDir/kura.db` (the core's own tests: nothing on disk). */
  memory?: boolean;
}

export interface ConnectRetry {
  /** host:port/db, never the user or password. */
  readonly where: string;
  readonly attempt: number;
  readonly reason: string;
  readonly delayMs: number;
}

/** The database the options name holds no Kura data yet (and `mustExist` was asked). */
export class NoDatabaseError extends Error {}

/** Opens the metadata store (SQLite in dataDir, or PostgreSQL) and runs every pending migration. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  let db: Kysely<Schema>;
  let dialect: Database['dialect'];
  if (opts.databaseUrl) {
    dialect = 'postgres';
    await waitForPostgres(opts.databaseUrl, opts.connectTimeoutMs ?? 0, opts.onRetry);
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    const sqlite = sqliteWithPragmas(opts.memory ? new SQLite(':memory:') : await openSqliteFile(opts));
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqliteStatements(sqlite) }) });
  }
  try {
    if (opts.mustExist && dialect === 'postgres') await requireKuraTables(db, opts.databaseUrl!);
    await migrate(db, dialect);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return { dialect, store: metadataStore(db), db, close: () => db.destroy() };
}

/** `dataDir/kura.db`, created unless `mustExist`, in WAL mode. */
async function openSqliteFile(opts: OpenOptions): Promise<SQLite.Database> {
  if (opts.mustExist && !existsSync(join(opts.dataDir, 'kura.db'))) throw new NoDatabaseError(`no Kura database at ${join(opts.dataDir, 'kura.db')}`);
  await makeDirs(opts.dataDir);
  const file = join(opts.dataDir, 'kura.db');
  let sqlite: SQLite.Database;
  try {
    sqlite = new SQLite(file);
  } catch (e) {
    throw new Error(`cannot open the SQLite database ${file}: ${(e as Error).message}`, { cause: e });
  }
  sqlite.pragma('journal_mode = WAL');
  return sqlite;
}

/** The settings every Kura SQLite connection runs with (WAL is set on files only). */
function sqliteWithPragmas(sqlite: SQLite.Database): SQLite.Database {
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 10000');
  return sqlite;
}

/** Refuses a PostgreSQL database where Kura never ran (no migration table in its schema). */
async function requireKuraTables(db: Kysely<Schema>, url: string): Promise<void> {
  const r = await sql<{ n: number }>`select count(*) as n from information_schema.tables where table_schema = current_schema() and table_name = 'kysely_migration'`.execute(db);
  if (Number(r.rows[0]?.n ?? 0) === 0) {
    const u = new URL(url);
    throw new NoDatabaseError(`no Kura tables in PostgreSQL database ${u.hostname}:${u.port || 5432}${u.pathname}`);
  }
}

async function migrate(db: Kysely<Schema>, dialect: Database['dialect']): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  // Two nodes starting at once on PostgreSQL: Kysely takes an advisory lock itself.
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const why = error instanceof Error ? error.message : String(error ?? '');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed on ${dialect}: ${why}`);
  }
}


/** "host:port/db" of a PostgreSQL URL: what messages may show (never the user or password). */
export function postgresAddress(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  const host = u.hostname || u.searchParams.get('host') || 'localhost';
  const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres';
  return `${host}:${u.port || '5432'}/${db}`;
}

// Wrong credentials do not fix themselves: no point waiting.
const FINAL_PG_CODES = new Set(['28P01', '28000']);

/**
 * PostgreSQL may come up after Kura (a compose stack starts both at once): try to connect
 * with backoff (0.25 s doubling to 5 s) until `timeoutMs` has passed, then fail with one
 * message naming host:port/db and the last reason.
 */
async function waitForPostgres(databaseUrl: string, timeoutMs: number, onRetry?: (r: ConnectRetry) => void): Promise<void> {
  const where = postgresAddress(databaseUrl);
  const password = decodeURIComponent(new URL(databaseUrl).password);
  const deadline = Date.now() + timeoutMs;
  let delayMs = 250;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: Math.max(1000, Math.min(10_000, deadline - Date.now())) });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (e) {
      await client.end().catch(() => undefined);
      let reason = errorText(e);
      if (password) reason = reason.split(password).join('***');
      const code = (e as { code?: unknown }).code;
      if (FINAL_PG_CODES.has(String(code)) || Date.now() + delayMs > deadline) {
        throw new Error(`cannot connect to PostgreSQL at ${where}: ${reason}`);
      }
      onRetry?.({ where, attempt, reason, delayMs });
      await new Promise((r) => setTimeout(r, delayMs));
      delayMs = Math.min(delayMs * 2, 5000);
    }
  }
}

/** A connection error's text (Node reports a refused dual-stack connect as an AggregateError with no message). */
function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  let text = e.message;
  if (!text && e instanceof AggregateError) text = [...new Set(e.errors.map((x: unknown) => (x instanceof Error ? x.message : String(x))))].join('; ');
  if (!text) text = typeof code === 'string' ? code : e.name;
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}
