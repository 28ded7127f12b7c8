import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type Backend = 'sqlite' | 'postgres';

/** The metadata backends this run covers: SQLite always, PostgreSQL when configured. */
export const backends: Backend[] = process.env.KURA_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/** Creates an empty PostgreSQL database for one test file and returns its URL. */
export async function freshPostgresUrl(): Promise<string> {
  const base = process.env.KURA_TEST_DATABASE_URL;
  if (!base) throw new Error('KURA_TEST_DATABASE_URL is not set');
  const name = `${process.env.KURA_TEST_RUN_TAG ?? 'kura_t'}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}
