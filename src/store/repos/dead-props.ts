import type { DeadPropRepo, DeadPropRow } from '../../core/index.js';
import type { Db } from '../schema.js';

const BATCH = 500;

const deadPropMethods: DeadPropRepo & ThisType<{ readonly db: Db }> = {
  async ofItems(itemIds) {
    const out: DeadPropRow[] = [];
    for (let i = 0; i < itemIds.length; i += BATCH) {
      out.push(...((await this.db.selectFrom('dead_props').selectAll().where('item_id', 'in', itemIds.slice(i, i + BATCH)).execute()) as DeadPropRow[]));
    }
    return out;
  },

  async apply(itemId, set, remove) {
    for (const r of remove) await this.db.deleteFrom('dead_props').where('item_id', '=', itemId).where('ns', '=', r.ns).where('name', '=', r.name).execute();
    for (const p of set) {
      await this.db
        .insertInto('dead_props')
        .values({ item_id: itemId, ns: p.ns, name: p.name, xml: p.xml })
        .onConflict((oc) => oc.columns(['item_id', 'ns', 'name']).doUpdateSet({ xml: p.xml }))
        .execute();
    }
  },

  async ofChildren(parentId) {
    return (await this.db
      .selectFrom('dead_props')
      .innerJoin('items', 'items.id', 'dead_props.item_id')
      .select(['dead_props.item_id', 'dead_props.ns', 'dead_props.name', 'dead_props.xml'])
      .where('items.parent_id', '=', parentId)
      .where('items.trashed_at', 'is', null)
      .execute()) as DeadPropRow[];
  },

  async copy(pairs) {
    for (let i = 0; i < pairs.length; i += BATCH) {
      const chunk = pairs.slice(i, i + BATCH);
      const to = new Map(chunk.map((p) => [p.from, p.to]));
      const rows = (await this.db.selectFrom('dead_props').selectAll().where('item_id', 'in', [...to.keys()]).execute()) as DeadPropRow[];
      for (let j = 0; j < rows.length; j += BATCH) {
        await this.db
          .insertInto('dead_props')
          .values(rows.slice(j, j + BATCH).map((r) => ({ ...r, item_id: to.get(Number(r.item_id))! })))
          .execute();
      }
    }
  },
};

export const deadPropRepo = (db: Db): DeadPropRepo => Object.assign(Object.create(deadPropMethods) as DeadPropRepo, { db });
