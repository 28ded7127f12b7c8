import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { bytes, json, upload } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

describe.each(backends)('races (%s)', (backend) => {
  let k: TestKura;
  let owner: TestUser;
  let admin: TestUser;
  beforeAll(async () => {
    k = await startKura(backend);
    owner = await k.user();
    admin = await k.user(undefined, { admin: true });
  });
  afterAll(() => k.stop());

  it('20 parallel uploads that together exceed the quota never overshoot it', async () => {
    const space = await k.core.spaces.create({ userId: owner.id, role: 'user' }, { kind: 'group', name: 'quota-race' });
    const quota = 100_000;
    await fetch(`${k.url}/api/v1/spaces/${space.id}/quota`, { method: 'PUT', headers: { ...admin.auth, 'content-type': 'application/json' }, body: JSON.stringify({ bytes: quota }) });
    const size = 12_000; // 20 × 12 000 = 240 000 > 100 000: at most 8 fit
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => upload(k.url, owner.auth, space.rootId, [{ name: `f${i}.bin`, data: bytes(size, i + 1) }])));
    const statuses = results.map((r) => r.status);
    const ok = statuses.filter((s) => s === 201).length;
    expect(statuses.every((s) => s === 201 || s === 507)).toBe(true);
    expect(ok).toBeGreaterThan(0);
    expect(ok * size).toBeLessThanOrEqual(quota);
    const after = await k.core.spaces.get({ userId: owner.id, role: 'user' }, space.id);
    expect(after.usage.bytes).toBe(ok * size);
    expect(after.usage.bytes).toBeLessThanOrEqual(quota);
    const listed = await k.core.items.children({ userId: owner.id, role: 'user' }, space.rootId);
    expect(listed.total).toBe(ok);
    const failed = results.find((r) => r.status === 507);
    if (failed) expect((await json(failed)).error.code).toBe('quota_exceeded');
  });

  it('a file-count quota holds under the same race', async () => {
    const space = await k.core.spaces.create({ userId: owner.id, role: 'user' }, { kind: 'group', name: 'count-race' });
    await k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, space.id, { files: 3 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => upload(k.url, owner.auth, space.rootId, [{ name: `c${i}.txt`, data: `n${i}` }])));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect((await k.core.spaces.get({ userId: owner.id, role: 'user' }, space.id)).usage.files).toBe(3);
  });

  it('two concurrent uploads of one name into one folder: exactly one winner, one 409', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `same-${round}.bin`;
      const [a, b] = await Promise.all([
        upload(k.url, owner.auth, owner.rootId, [{ name, data: bytes(200_000, 100 + round) }]),
        upload(k.url, owner.auth, owner.rootId, [{ name, data: bytes(200_000, 200 + round) }]),
      ]);
      expect([a.status, b.status].sort()).toEqual([201, 409]);
      const loser = a.status === 409 ? a : b;
      expect((await json(loser)).error.code).toBe('name_conflict');
      const rows = await k.core.database.db.selectFrom('items').select('id').where('parent_id', '=', owner.rootId).where('name', '=', name).execute();
      expect(rows).toHaveLength(1);
    }
  });

  it('dedupes identical content uploaded in parallel: one blob, every file readable', async () => {
    const data = bytes(300_000, 4242);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => upload(k.url, owner.auth, owner.rootId, [{ name: `dup${i}.bin`, data }])));
    expect(results.every((r) => r.status === 201)).toBe(true);
    const items = await Promise.all(results.map(async (r) => (await json(r)).items[0]));
    const hash = items[0].sha256;
    const blob = await k.core.database.db.selectFrom('blobs').selectAll().where('hash', '=', hash).executeTakeFirstOrThrow();
    expect(Number(blob.refcount)).toBe(6);
    let objects = 0;
    for await (const o of k.core.blobs.list()) if (o.hash === hash) objects++;
    expect(objects).toBe(1);
  });
});
