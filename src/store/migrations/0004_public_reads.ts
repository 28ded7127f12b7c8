import type { Kysely } from 'kysely';

/* Derivatives (thumbnails kept as blobs) and shared rate-limit counters. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('derivatives')
    .addColumn('source_hash', 'varchar(64)', (c) => c.notNull().references('blobs.hash'))
    .addColumn('spec', 'varchar(64)', (c) => c.notNull())
    .addColumn('blob_hash', 'varchar(64)', (c) => c.notNull().references('blobs.hash'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('derivatives_pk', ['source_hash', 'spec'])
    .execute();
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pk', ['key', 'window_start'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute();
  await db.schema.dropTable('derivatives').execute();
}
