import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { MetadataStore } from '../core/index.js';
import { metadataStore } from './metadata.js';
import { migrationProvider } from './migrations/index.js';
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
}

/** The database the options name holds no Kura data yet (and `mustExist` was asked). */
export class NoDatabaseError extends Error {}

/** Opens the metadata store (SQLite in dataDir, or PostgreSQL) and runs every pending migration. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  let db: Kysely<Schema>;
  let dialect: Database['dialect'];
  if (opts.databaseUrl) {
    dialect = 'postgres';
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    if (opts.mustExist && !existsSync(join(opts.dataDir, 'kura.db'))) throw new NoDatabaseError(`no Kura database at ${join(opts.dataDir, 'kura.db')}`);
    mkdirSync(opts.dataDir, { recursive: true });
    const sqlite = new SQLite(join(opts.dataDir, 'kura.db'));
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 10000');
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
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

/**
 * Kysely prepares every query anew; preparing costs more than running a small query.
 * Statements are reusable, and better-sqlite3 runs them synchronously, so a bounded cache
 * keyed by SQL text is safe. (Kysely compiles the same SQL text for the same query shape.)
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabaseLike {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= 500) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

type SqliteDatabaseLike = ConstructorParameters<typeof SqliteDialect>[0]['database'] & object;

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

