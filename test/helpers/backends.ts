import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type Backend = 'sqlite' | 'postgres';

/** The metadata backends this run covers: SQLite always, PostgreSQL when configured. */
export const backends: Backend[] = process.env.KURA_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/**
 * Creates a PostgreSQL database for one test file and returns its URL: empty, or with
 * `{ migrated: true }` a copy of the run's migrated template (global-setup.ts), which spares
 * every file the migrations (seconds each on PostgreSQL).
 */
export async function freshPostgresUrl(opts: { migrated?: boolean } = {}): Promise<string> {
  const base = process.env.KURA_TEST_DATABASE_URL;
  if (!base) throw new Error('KURA_TEST_DATABASE_URL is not set');
  const name = `${process.env.KURA_TEST_RUN_TAG ?? 'kura_t'}_${randomBytes(6).toString('hex')}`;
  const template = opts.migrated ? process.env.KURA_TEST_PG_TEMPLATE : undefined;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"${template ? ` template "${template}"` : ''}`);
  } finally {
    await admin.end();
  }
  return withDatabase(base, name);
}

/** `base` naming database `name` instead. */
export function withDatabase(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}
