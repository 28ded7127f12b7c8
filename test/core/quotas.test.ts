import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest } from '../helpers/core.js';

/** Quota rules on the core itself (no HTTP), with the clock moved instead of waited on. */
describe.each(backends)('quotas on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend, { KURA_UPLOAD_SESSION_SECONDS: '3600' });
  });
  afterAll(() => k.close());

  const usage = async (u: { actor: Parameters<CoreUnderTest['core']['spaces']['get']>[0]; spaceId: number }) => (await k.core.spaces.get(u.actor, u.spaceId)).usage;

  it('refuses a file past the byte quota and keeps nothing of it', async () => {
    const u = await k.user();
    await k.core.spaces.setQuota(k.admin.actor, u.spaceId, { bytes: 10 });
    await k.file(u, 'small.txt', '12345');
    await expect(k.file(u, 'big.txt', '123456')).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(await usage(u)).toEqual({ bytes: 5, files: 1, reserved: 0, reservedFiles: 0 });
    expect((await k.core.items.children(u.actor, u.rootId)).items.map((i) => i.name)).toEqual(['small.txt']);
  });

  it('refuses a resumable upload at creation when the file count is full', async () => {
    const u = await k.user();
    await k.core.spaces.setQuota(k.admin.actor, u.spaceId, { files: 1 });
    await k.file(u, 'one.txt', 'x');
    await expect(k.core.resumable.open(u.actor, { key: 'k1', target: { folderId: u.rootId, name: 'two.bin' }, length: 3 })).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(await usage(u)).toEqual({ bytes: 1, files: 1, reserved: 0, reservedFiles: 0 });
  });

  it('an idle session holds its reservation apart from what is stored, and gives it back once expired', async () => {
    const u = await k.user();
    await k.core.spaces.setQuota(k.admin.actor, u.spaceId, { bytes: 100 });
    await k.core.resumable.open(u.actor, { key: 'idle', target: { folderId: u.rootId, name: 'part.bin' }, length: 80 });
    await k.core.resumable.slice(u.actor, { key: 'idle', target: { folderId: u.rootId, name: 'part.bin' }, length: 80 }, 0, Readable.from([Buffer.alloc(40)]));
    expect(await usage(u)).toEqual({ bytes: 0, files: 0, reserved: 80, reservedFiles: 1 });
    // The reservation counts against the quota while the session lives…
    await expect(k.file(u, 'other.bin', Buffer.alloc(30))).rejects.toMatchObject({ code: 'quota_exceeded' });
    // …and comes back once it is idle past its expiry, without waiting an hour.
    k.clock.advance(3601_000);
    expect(await k.core.resumable.expire()).toBe(1);
    expect(await usage(u)).toEqual({ bytes: 0, files: 0, reserved: 0, reservedFiles: 0 });
    await k.file(u, 'other.bin', Buffer.alloc(30));
    expect((await usage(u)).bytes).toBe(30);
  });
});
