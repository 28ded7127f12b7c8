import { sql } from 'kysely';
import type { BlobInfo, BlobRepo, BlobRow, DerivativeRepo } from '../../core/index.js';
import type { Db } from '../schema.js';

const blobMethods: BlobRepo & ThisType<{ readonly db: Db }> = {
  async claim(b, now, refs = 1) {
    const row = await this.db
      .insertInto('blobs')
      .values({ ...b, refcount: refs, state: 'live', touched_at: now, created_at: now })
      .onConflict((oc) =>
        oc
          .column('hash')
          .doUpdateSet({ refcount: sql`blobs.refcount + ${refs}`, touched_at: now })
          .where('blobs.state', '=', 'live'),
      )
      .returning('refcount')
      .executeTakeFirst();
    return row ? Number(row.refcount) : undefined;
  },

  async addRefs(hash, n, now) {
    await this.db.updateTable('blobs').set({ refcount: sql`refcount + ${n}`, touched_at: now }).where('hash', '=', hash).execute();
  },

  async release(hash, n, now) {
    await this.db.updateTable('blobs').set({ refcount: sql`refcount - ${n}`, touched_at: now }).where('hash', '=', hash).execute();
  },

  async releaseMany(refs, now) {
    const byCount = new Map<number, string[]>();
    for (const r of refs) {
      const list = byCount.get(r.n) ?? [];
      list.push(r.hash);
      byCount.set(r.n, list);
    }
    for (const [n, hashes] of byCount) {
      for (let i = 0; i < hashes.length; i += 1000) {
        await this.db.updateTable('blobs').set({ refcount: sql`refcount - ${n}`, touched_at: now }).where('hash', 'in', hashes.slice(i, i + 1000)).execute();
      }
    }
  },

  byHash(hash) {
    return this.db.selectFrom('blobs').selectAll().where('hash', '=', hash).executeTakeFirst() as Promise<BlobRow | undefined>;
  },

  unreferenced(before, limit) {
    return this.db.selectFrom('blobs').select('hash').where('refcount', '<=', 0).where('touched_at', '<', before).where('state', '=', 'live').limit(limit).execute();
  },

  async waiting(before) {
    const r = await this.db
      .selectFrom('blobs')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('size').as('bytes')])
      .where('refcount', '<=', 0)
      .where('touched_at', '>=', before)
      .where('state', '=', 'live')
      .executeTakeFirstOrThrow();
    return { blobs: Number(r.n), bytes: Number(r.bytes ?? 0) };
  },

  holders(hash, limit) {
    return this.db
      .selectFrom('versions')
      .innerJoin('items', 'items.id', 'versions.item_id')
      .select(['items.id as item_id', 'items.space_id'])
      .distinct()
      .where('versions.blob_hash', '=', hash)
      .orderBy('items.id')
      .limit(limit)
      .execute();
  },

  async markDeleting(hashes, before) {
    if (hashes.length === 0) return [];
    const rows = await this.db
      .updateTable('blobs')
      .set({ state: 'deleting' })
      .where('hash', 'in', hashes)
      .where('refcount', '<=', 0)
      .where('touched_at', '<', before)
      .where('state', '=', 'live')
      .returning(['hash', 'size'])
      .execute();
    return rows.map((r) => ({ hash: r.hash, size: Number(r.size) }));
  },

  async markOrphanDeleting(hash, size, now) {
    const r = await this.db
      .insertInto('blobs')
      .values({ hash, size, mime: 'application/octet-stream', width: null, height: null, refcount: 0, state: 'deleting', touched_at: now, created_at: now })
      .onConflict((oc) => oc.column('hash').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  },

  async deleteRows(hashes) {
    if (hashes.length === 0) return;
    await this.db.deleteFrom('blobs').where('hash', 'in', hashes).where('state', '=', 'deleting').execute();
  },

  async known(hashes) {
    if (hashes.length === 0) return new Set();
    const rows = await this.db.selectFrom('blobs').select('hash').where('hash', 'in', hashes).execute();
    return new Set(rows.map((r) => r.hash));
  },

  async count() {
    return Number((await this.db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  },

  async totals() {
    const r = await this.db
      .selectFrom('blobs')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
      .where('state', '=', 'live')
      .executeTakeFirstOrThrow();
    return { blobs: Number(r.n), bytes: Number(r.bytes ?? 0) };
  },

  page(after, limit) {
    return this.db.selectFrom('blobs').selectAll().where('hash', '>', after).orderBy('hash').limit(limit).execute() as Promise<BlobRow[]>;
  },

  async countedRefs(hash) {
    const v = await this.db.selectFrom('versions').select((eb) => eb.fn.countAll<number>().as('n')).where('blob_hash', '=', hash).executeTakeFirstOrThrow();
    const d = await this.db.selectFrom('derivatives').select((eb) => eb.fn.countAll<number>().as('n')).where('blob_hash', '=', hash).executeTakeFirstOrThrow();
    return Number(v.n) + Number(d.n);
  },
};

export const blobRepo = (db: Db): BlobRepo => Object.assign(Object.create(blobMethods) as BlobRepo, { db });

const derivativeMethods: DerivativeRepo & ThisType<{ readonly db: Db }> = {
  of(sourceHash, spec) {
    return this.db
      .selectFrom('derivatives')
      .innerJoin('blobs', 'blobs.hash', 'derivatives.blob_hash')
      .select(['derivatives.source_hash', 'derivatives.spec', 'derivatives.blob_hash', 'derivatives.created_at', 'blobs.hash', 'blobs.size', 'blobs.mime', 'blobs.width', 'blobs.height'])
      .where('derivatives.source_hash', '=', sourceHash)
      .where('derivatives.spec', '=', spec)
      .executeTakeFirst() as Promise<(BlobInfo & { source_hash: string; spec: string; blob_hash: string; created_at: number }) | undefined>;
  },

  async insert(row) {
    const r = await this.db.insertInto('derivatives').values(row).onConflict((oc) => oc.columns(['source_hash', 'spec']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  },

  async from(sourceHashes) {
    if (sourceHashes.length === 0) return [];
    return this.db.selectFrom('derivatives').selectAll().where('source_hash', 'in', sourceHashes).execute();
  },

  async deleteFrom(sourceHashes) {
    if (sourceHashes.length === 0) return;
    await this.db.deleteFrom('derivatives').where('source_hash', 'in', sourceHashes).execute();
  },
};

export const derivativeRepo = (db: Db): DerivativeRepo => Object.assign(Object.create(derivativeMethods) as DerivativeRepo, { db });
