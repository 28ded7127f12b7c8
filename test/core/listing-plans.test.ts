import { join } from 'node:path';
import { Readable } from 'node:stream';
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
  /** Every statement prepared since the start: the store prepares each text once. */
  const ever = new Set<string>();
  const prepare = SQLite.prototype.prepare;
  beforeAll(async () => {
    k = await startCore('sqlite', {}, { onDisk: true });
    SQLite.prototype.prepare = function (this: SQLite.Database, source: string) {
      prepared.push(source);
      ever.add(source);
      return prepare.call(this, source);
    } as typeof prepare;
  });
  afterAll(async () => {
    SQLite.prototype.prepare = prepare;
    await k.close();
  });

  /**
   * The plan of the one statement `which` picks among those `run` prepares (or, `once`, among
   * all prepared so far: a text used before is not prepared again); placeholders bound to 1.
   */
  async function planOf(run: () => Promise<unknown>, which: (sql: string) => boolean, once = false): Promise<{ sql: string; plan: string }> {
    prepared.length = 0;
    await run();
    const picked = (once ? [...ever] : prepared).filter(which);
    expect(picked).toHaveLength(1);
    const db = new SQLite(join(k.dataDir, 'kura.db'), { readonly: true });
    try {
      const params = Array.from(picked[0].matchAll(/\?/g), () => 1);
      return { sql: picked[0], plan: (db.prepare(`explain query plan ${picked[0]}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('\n') };
    } finally {
      db.close();
    }
  }

  const isCount = (s: string) => /count\(\*\)/.test(s) && /"parent_id" = \?/.test(s);
  const countPlan = async (run: () => Promise<unknown>) => (await planOf(run, isCount)).plan;

  it('counts a filtered page and a plain one on the index that leaves out trashed and pending items', async () => {
    const u = await k.user();
    for (const n of ['a.jpg', 'b.txt']) await k.file(u, n, n);
    const filter = compileFilter('maintype==image;size=gt=0', CORE_FIELD_SPECS);
    const filtered = await countPlan(() => k.core.items.children(u.actor, u.rootId, { filter, kind: 'file' }));
    expect(filtered).toMatch(/items_live_category \(parent_id=\? AND kind=\? AND category=\? AND size>\?\)/);
    const plain = await countPlan(() => k.core.items.children(u.actor, u.rootId, {}));
    expect(plain).toMatch(/COVERING INDEX items_live_category|INDEX items_live_category/);
  });

  it('learns with one seek whether a folder has an expired child, and tests expiry on each entry only then', async () => {
    const u = await k.user();
    const f = await k.core.changes.createFolder(u.actor, u.rootId, 'expiring');
    await k.core.uploads.upload(u.actor, f.id, { name: 'soon.txt', stream: Readable.from([Buffer.from('soon')]) }, { expiresAt: k.clock.now() + 60_000 });
    await k.file(u, 'stays.txt', 'stays', f.id);
    const filter = compileFilter('maintype==text;size=gt=0', CORE_FIELD_SPECS);
    const probe = await planOf(() => k.core.items.children(u.actor, f.id, { filter, kind: 'file' }), (s) => /"expires_at" <= \?/.test(s), true);
    expect(probe.plan).toMatch(/items_live_expiring \(parent_id=\? AND expires_at>\? AND expires_at<\?\)/);
    // Nothing expired yet: the count leaves the expiry term out and counts both.
    expect((await k.core.items.children(u.actor, f.id, { filter, kind: 'file' })).total).toBe(2);
    k.clock.advance(60_001);
    const expired = await planOf(() => k.core.items.children(u.actor, f.id, { filter, kind: 'file' }), isCount);
    expect(expired.sql).toMatch(/"expires_at" is null or/);
    expect(expired.plan).toMatch(/items_live_category \(parent_id=\? AND kind=\? AND category=\? AND size>\?\)/);
    expect((await k.core.items.children(u.actor, f.id, { filter, kind: 'file' })).total).toBe(1);
  });
});
