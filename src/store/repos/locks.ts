import { SqliteAdapter, sql } from 'kysely';
import type { ItemRow, LockRepo, LockRow } from '../../core/index.js';
import type { Db } from '../schema.js';

/**
 * The class of Kura's advisory locks (two-key form, so no 64-bit advisory key of another
 * user of the database can collide): "KURA" in ASCII. The second key is the space id folded
 * into 31 bits; two spaces that fold alike only wait for each other, never miss each other.
 */
const ADVISORY_CLASS = 0x4b555241;
const fold = (spaceId: number) => spaceId % 2147483647;

const lockMethods: LockRepo & ThisType<{ readonly db: Db }> = {
  async insert(row) {
    await this.db.insertInto('locks').values(row).execute();
  },

  byToken(token, now) {
    return this.db.selectFrom('locks').selectAll().where('token', '=', token).where('expires_at', '>', now).executeTakeFirst() as Promise<LockRow | undefined>;
  },

  async onChildrenOf(parentId, now) {
    return (await this.db
      .selectFrom('locks')
      .innerJoin('items', 'items.id', 'locks.item_id')
      .selectAll('locks')
      .where('items.parent_id', '=', parentId)
      .where('items.trashed_at', 'is', null)
      .where('locks.expires_at', '>', now)
      .orderBy('locks.created_at')
      .execute()) as LockRow[];
  },

  async onItems(itemIds, now) {
    const out: LockRow[] = [];
    for (let i = 0; i < itemIds.length; i += 500) {
      const ids = itemIds.slice(i, i + 500);
      out.push(...((await this.db.selectFrom('locks').selectAll().where('item_id', 'in', ids).where('expires_at', '>', now).orderBy('created_at').execute()) as LockRow[]));
    }
    return out;
  },

  async countOfOwner(ownerId, now) {
    const r = await this.db.selectFrom('locks').select((eb) => eb.fn.countAll<number>().as('n')).where('owner_id', '=', ownerId).where('expires_at', '>', now).executeTakeFirst();
    return Number(r?.n ?? 0);
  },

  async refresh(token, now, until, timeoutSeconds) {
    const r = await this.db.updateTable('locks').set({ expires_at: until, timeout_seconds: timeoutSeconds }).where('token', '=', token).where('expires_at', '>', now).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },

  async delete(token) {
    const r = await this.db.deleteFrom('locks').where('token', '=', token).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  },

  async deleteOnItems(itemIds) {
    let n = 0;
    for (let i = 0; i < itemIds.length; i += 500) {
      const r = await this.db.deleteFrom('locks').where('item_id', 'in', itemIds.slice(i, i + 500)).executeTakeFirst();
      n += Number(r.numDeletedRows);
    }
    return n;
  },

  async prune(now) {
    const r = await this.db.deleteFrom('locks').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  async claimSpaces(spaceIds, exclusive, now) {
    const ids = [...new Set(spaceIds)].sort((a, b) => a - b);
    if (ids.length === 0) return false;
    if (!(this.db.getExecutor().adapter instanceof SqliteAdapter)) {
      // Released when the transaction ends; always taken in id order, so claims never deadlock.
      for (const id of ids) {
        if (exclusive) await sql`select pg_advisory_xact_lock(${ADVISORY_CLASS}::int, ${fold(id)}::int)`.execute(this.db);
        else await sql`select pg_advisory_xact_lock_shared(${ADVISORY_CLASS}::int, ${fold(id)}::int)`.execute(this.db);
      }
    }
    // A statement of its own: it reads what committed before the claim was granted.
    const r = await this.db.selectFrom('locks').select('token').where('space_id', 'in', ids).where('expires_at', '>', now).limit(1).executeTakeFirst();
    return r !== undefined;
  },

  itemForWrite(id) {
    // An update that changes nothing takes the row's lock on both databases.
    return this.db.updateTable('items').set({ modified_at: sql`modified_at` }).where('id', '=', id).returningAll().executeTakeFirst() as Promise<ItemRow | undefined>;
  },
};

export const lockRepo = (db: Db): LockRepo => Object.assign(Object.create(lockMethods) as LockRepo, { db });
