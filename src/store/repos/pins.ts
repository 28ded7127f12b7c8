import type { PinRepo, PinRow } from '../../core/index.js';
import type { Db } from '../schema.js';
import { visible } from './visible.js';

const pinMethods: PinRepo & ThisType<{ readonly db: Db }> = {
  async insert(row) {
    const r = await this.db.insertInto('pins').values(row).onConflict((oc) => oc.columns(['item_id', 'owner_id', 'ref']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  },

  async delete(itemId, ownerId, ref) {
    const r = await this.db.deleteFrom('pins').where('item_id', '=', itemId).where('owner_id', '=', ownerId).where('ref', '=', ref).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  },

  ofItem(itemId) {
    return this.db.selectFrom('pins').selectAll().where('item_id', '=', itemId).orderBy('created_at').orderBy('ref').limit(10_000).execute() as Promise<PinRow[]>;
  },

  async countOf(itemId) {
    const r = await this.db.selectFrom('pins').select((eb) => eb.fn.countAll<number>().as('n')).where('item_id', '=', itemId).executeTakeFirstOrThrow();
    return Number(r.n);
  },

  byOwnerRef(ownerId, ref, limit, now) {
    return this.db
      .selectFrom('pins')
      .innerJoin('items', 'items.id', 'pins.item_id')
      .selectAll('pins')
      .select(['items.space_id as space_id', 'items.parent_id as parent_id'])
      .where('pins.owner_id', '=', ownerId)
      .where('pins.ref', '=', ref)
      .where(visible({ now }))
      .orderBy('pins.created_at')
      .orderBy('pins.item_id')
      .limit(limit)
      .execute() as Promise<(PinRow & { space_id: number; parent_id: number | null })[]>;
  },

  slot(ref) {
    return this.db.selectFrom('pins').selectAll().where('ref', '=', ref).where('slot', '=', 1).executeTakeFirst() as Promise<PinRow | undefined>;
  },

  async policy(itemId) {
    const r = await this.db.selectFrom('pin_policies').select('ttl_ms').where('item_id', '=', itemId).executeTakeFirst();
    return r ? Number(r.ttl_ms) : undefined;
  },

  async setPolicy(itemId, ttlMs) {
    await this.db.insertInto('pin_policies').values({ item_id: itemId, ttl_ms: ttlMs }).onConflict((oc) => oc.column('item_id').doUpdateSet({ ttl_ms: ttlMs })).execute();
  },
};

export const pinRepo = (db: Db): PinRepo => Object.assign(Object.create(pinMethods) as PinRepo, { db });
