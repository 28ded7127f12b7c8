import { sql } from 'kysely';
import type { InFlightRepo, LeaseRepo, LeaseRow } from '../../core/index.js';
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

const inFlightMethods: InFlightRepo & ThisType<{ readonly db: Db }> = {
  async claim(key, size, holder, now, until) {
    const held = await this.db.selectFrom('in_flight').select('slot').where('key', '=', key).where('expires_at', '>=', now).execute();
    const taken = new Set(held.map((r) => Number(r.slot)));
    for (let permit = 0; permit < size; permit++) {
      if (taken.has(permit)) continue;
      const r = await this.db
        .insertInto('in_flight')
        .values({ key, slot: permit, holder, expires_at: until })
        .onConflict((oc) => oc.columns(['key', 'slot']).doUpdateSet({ holder, expires_at: until }).where('in_flight.expires_at', '<', now))
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) === 1) return permit;
    }
    return undefined;
  },

  async release(key, permit, holder) {
    await this.db.deleteFrom('in_flight').where('key', '=', key).where('slot', '=', permit).where('holder', '=', holder).execute();
  },

  async held(key, now) {
    const r = await this.db.selectFrom('in_flight').select((eb) => eb.fn.countAll<number>().as('n')).where('key', '=', key).where('expires_at', '>=', now).executeTakeFirst();
    return Number(r?.n ?? 0);
  },

  async prune(now) {
    await this.db.deleteFrom('in_flight').where('expires_at', '<', now).execute();
  },
};

export const inFlightRepo = (db: Db): InFlightRepo => Object.assign(Object.create(inFlightMethods) as InFlightRepo, { db });
