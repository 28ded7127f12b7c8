import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter, CORE_FIELD_SPECS } from '../../src/core/index.js';
import { startCore, type CoreUnderTest } from '../helpers/core.js';

/**
 * The counts of a folder's children stay on `items_live_category` (migrations 0018, 0023):
 * the existence rule's terms (store/repos/visible.ts) must not push SQLite's planner off it,
 * which happens silently if the pending term and the index's WHERE ever differ. The
 * statements are the ones the store really runs, caught as they are prepared.
 */
describe('the plans of listing counts on SQLite', () => {
  let k: CoreUnderTest;
  const prepared: string[] = [];
  const prepare = SQLite.prototype.prepare;
  beforeAll(async () => {
    k = await startCore('sqlite', {}, { onDisk: true });
    SQLite.prototype.prepare = function (this: SQLite.Database, source: string) {
      prepared.push(source);
      return prepare.call(this, source);
    } as typeof prepare;
  });
  afterAll(async () => {
    SQLite.prototype.prepare = prepare;
    await k.close();
  });

  /** The plan of the one count statement `run` prepares (placeholders bound to 1). */
  async function countPlan(run: () => Promise<unknown>): Promise<string> {
    prepared.length = 0;
    await run();
    const counts = prepared.filter((s) => /count\(\*\)/.test(s) && /"parent_id" = \?/.test(s));
    expect(counts).toHaveLength(1);
    const db = new SQLite(join(k.dataDir, 'kura.db'), { readonly: true });
    try {
      const params = Array.from(counts[0].matchAll(/\?/g), () => 1);
      return (db.prepare(`explain query plan ${counts[0]}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n');
    } finally {
      db.close();
    }
  }

  it('counts a filtered page and a plain one on the index that leaves out trashed and pending items', async () => {
    const u = await k.user();
    for (const n of ['a.jpg', 'b.txt']) await k.file(u, n, n);
    const filter = compileFilter('maintype==image;size=gt=0', CORE_FIELD_SPECS);
    const filtered = await countPlan(() => k.core.items.children(u.actor, u.rootId, { filter, kind: 'file' }));
    expect(filtered).toMatch(/items_live_category \(parent_id=\? AND kind=\? AND category=\? AND size>\?\)/);
    const plain = await countPlan(() => k.core.items.children(u.actor, u.rootId, {}));
    expect(plain).toMatch(/COVERING INDEX items_live_category|INDEX items_live_category/);
  });
});
