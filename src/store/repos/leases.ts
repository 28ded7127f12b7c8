import { sql } from 'kysely';
import type { LeaseRepo, LeaseRow } from '../../core/index.js';
import type { Db } from '../schema.js';

const leaseMethods: LeaseRepo & ThisType<{ readonly db: Db }> = {
  async ensure(name, now) {
    await this.db
      .insertInto('leases')
      .values({ name, holder: null, expires_at: 0, started_at: 0, runs: 0, last_run_at: now, last_holder: null })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  },

  async acquire(name, holder, now, until, dueBy) {
    const r = await this.db
      .updateTable('leases')
      .set({ holder, expires_at: until, started_at: now })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('holder', 'is', null), eb('expires_at', '<', now)]))
      .where('last_run_at', '<=', dueBy)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async renew(name, holder, until) {
    const r = await this.db.updateTable('leases').set({ expires_at: until }).where('name', '=', name).where('holder', '=', holder).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async finish(name, holder, now) {
    const r = await this.db
      .updateTable('leases')
      .set({ holder: null, expires_at: 0, started_at: 0, runs: sql`runs + 1`, last_run_at: now, last_holder: holder })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  byName(name) {
    return this.db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst() as Promise<LeaseRow | undefined>;
  },

  list() {
    return this.db.selectFrom('leases').selectAll().orderBy('name').execute() as Promise<LeaseRow[]>;
  },
};

export const leaseRepo = (db: Db): LeaseRepo => Object.assign(Object.create(leaseMethods) as LeaseRepo, { db });
