import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { startKura, testClock, type TestKura, type TestUser } from '../helpers/kura.js';
import { b64, fails, ok } from './client.js';

// `dead_time` is the item's expires_at; the core's GC sweep (built on the `social` branch:
// core/storage/expiry.ts, its count in GcReport.expired) deletes expired items for good.
describe.each(backends)('onebot dead_time: expired group files are purged by the core GC (%s)', (backend) => {
  const clock = testClock();
  let k: TestKura;
  let u: TestUser;
  let gid: number;
  beforeAll(async () => {
    k = await startKura(backend, { KURA_GC_GRACE_SECONDS: '0' }, { clock });
    u = await k.user();
    gid = (await k.core.spaces.create({ userId: u.id, role: 'user' }, { kind: 'group', name: 'Expiring' })).id;
  });
  afterAll(() => k.stop());

  it('frees the space of files whose dead_time passed and keeps permanent ones', async () => {
    const at = Math.floor(Date.now() / 1000) + 3;
    const gone = (await ok(k, u, 'upload_group_file', { group_id: gid, file: b64('expiring bytes'), name: 'temp.txt', dead_time: at })).file_id;
    const kept = (await ok(k, u, 'upload_group_file', { group_id: gid, file: b64('kept'), name: 'kept.txt' })).file_id;
    expect(await ok(k, u, 'get_group_file_system_info', { group_id: gid })).toMatchObject({ file_count: 2, used_space: 18 });
    // Before its dead_time the sweep leaves it alone.
    await k.core.gc();
    expect((await ok(k, u, 'get_group_root_files', { group_id: gid })).files.map((f: { file_id: string }) => f.file_id).sort()).toEqual([gone, kept].sort());
    // The core's clock passes the dead_time (the dialect checked it against the real one).
    clock.advance((at + 1) * 1000 - clock.now());
    const report = await k.core.gc();
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(await ok(k, u, 'get_group_file_system_info', { group_id: gid })).toMatchObject({ file_count: 1, used_space: 4 });
    expect((await fails(k, u, 'delete_group_file', { group_id: gid, file_id: gone })).retcode).toBe(1404);
    expect(await k.core.trash.list({ userId: u.id, role: 'user' }, gid)).toEqual([]);
    expect((await ok(k, u, 'get_group_root_files', { group_id: gid })).files.map((f: { file_id: string }) => f.file_id)).toEqual([kept]);
  });
});
