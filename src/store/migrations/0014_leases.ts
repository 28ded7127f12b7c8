import type { Kysely } from 'kysely';

/*
 * Leases on periodic jobs (GC, expiry of resumable uploads, …): one row per job says which
 * node runs it now and until when, and counts its runs, so that with several nodes on one
 * database each job runs on one node at a time, once per interval (decisions/0016).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('leases')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(100)')
    .addColumn('expires_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('runs', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_run_at', 'bigint', (c) => c.notNull())
    .addColumn('last_holder', 'varchar(100)')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('leases').execute();
}
