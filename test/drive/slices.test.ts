import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { backends } from '../helpers/backends.js';
import { blobOf, body, bytes, json, sha256 } from '../helpers/http.js';
import { cuts, sendSlice, type SliceForm } from '../helpers/slices.js';
import { startKura, testClock, type TestKura, type TestUser } from '../helpers/kura.js';

interface Env<T = any> { IsOk: boolean; Code: number; Message: string; Data: T } // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(backends)('drive sliced uploads (%s)', (backend) => {
  let k: TestKura;
  let owner: TestUser, viewer: TestUser, stranger: TestUser;
  let project: { id: number; rootId: number };
  let rootOid: string;

  const env = async <T = any>(res: Response, code = 200): Promise<Env<T>> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const e = await json<Env<T>>(res);
    expect(res.status, e.Message).toBe(code);
    expect(e.Code).toBe(code);
    expect(e.IsOk).toBe(code === 200);
    return e;
  };
  const slice = (f: Omit<SliceForm, 'token'>, u: TestUser | null = owner) => sendSlice(k.url, { ...f, token: u?.token });
  /** What the quota counts: stored bytes and what unfinished uploads reserve. */
  const usage = async () => {
    const { bytes, reserved } = (await k.core.spaces.get({ userId: owner.id, role: 'user' }, project.id)).usage;
    return bytes + reserved;
  };
  const download = async (oid: string) => body(await fetch(`${k.url}/v1/file/download?${new URLSearchParams({ UserToken: owner.token, FileId: oid })}`));

  beforeAll(async () => {
    k = await startKura(backend, { UPLOAD_MAX_BYTES: String(64 * 1024 * 1024) });
    [owner, viewer, stranger] = await Promise.all([k.user(), k.user(), k.user()]);
    project = await k.core.spaces.create({ userId: owner.id, role: 'user' }, { kind: 'project', name: 'Slices' });
    await k.core.spaces.setMember({ userId: owner.id, role: 'user' }, project.id, viewer.id, 'viewer');
    rootOid = toObjectId(project.rootId);
  });
  afterAll(() => k.stop());

  it('takes shuffled, re-sent and overlapping slices of varying sizes and answers the file with the last one', async () => {
    const data = bytes(1_000_003, 71);
    const tempId = randomUUID();
    const parts = cuts(data.length, [100_000, 37_001, 250_000, 1, 64_000]);
    // Shuffle deterministically; re-send two slices and add one spanning two others.
    const order = parts.map((p, i) => ({ p, r: (i * 7919) % 13 })).sort((a, b) => a.r - b.r).map((x) => x.p);
    const last = order.pop()!;
    order.splice(3, 0, order[1], [parts[1][0] + 5, parts[1][1] + parts[2][1] - 10]);
    const before = await usage();
    let received = 0;
    for (const [offset, n] of order) {
      const e = await env(await slice({ fileName: 'big.bin', parentId: rootOid, tempId, offset, length: data.length, data: data.subarray(offset, offset + n) }));
      expect(e.Data).toMatchObject({ Completed: false, FileLength: data.length, FileTempId: tempId });
      expect(e.Data.ReceivedLength).toBeGreaterThanOrEqual(received);
      received = e.Data.ReceivedLength;
      // The whole length is held against the quota from the first slice.
      expect(await usage()).toBe(before + data.length);
    }
    expect(received).toBe(data.length - last[1]);
    const done = await env(await slice({ fileName: 'big.bin', parentId: rootOid, tempId, offset: last[0], length: data.length, data: data.subarray(last[0], last[0] + last[1]) }));
    expect(done.Data).toMatchObject({ Name: 'big.bin', FileSize: data.length, ParentId: rootOid, IsFolder: false });
    expect(sha256(await download(done.Data._id))).toBe(sha256(data));
    expect(await usage()).toBe(before + data.length);
    // A slice re-sent after completion is harmless and answers the same file.
    const again = await env(await slice({ fileName: 'big.bin', parentId: rootOid, tempId, offset: 0, length: data.length, data: data.subarray(0, 10) }));
    expect(again.Data._id).toBe(done.Data._id);
    expect(await usage()).toBe(before + data.length);
    // No piece is left behind.
    expect(await readdir(join(k.dataDir, 'blobs', 'uploads'))).toEqual([]);
  });

  it('refuses conflicting bytes, slices past FileLength and a reused FileTempId with other parameters (409)', async () => {
    const data = bytes(50_000, 72);
    const tempId = randomUUID();
    const base = { fileName: 'c.bin', parentId: rootOid, tempId, length: data.length };
    await env(await slice({ ...base, offset: 0, data: data.subarray(0, 20_000) }));
    const bad = Buffer.from(data.subarray(10_000, 30_000));
    bad[5_000] ^= 0xff;
    const e = await env(await slice({ ...base, offset: 10_000, data: bad }), 409);
    expect(e.Message).toMatch(/differs/);
    await env(await slice({ ...base, offset: 45_000, data: bytes(5_001, 3) }), 409);
    await env(await slice({ ...base, offset: 50_001, data: bytes(1, 3) }), 409);
    await env(await slice({ ...base, fileName: 'other.bin', offset: 20_000, data: data.subarray(20_000, 30_000) }), 409);
    await env(await slice({ ...base, length: data.length + 1, offset: 20_000, data: data.subarray(20_000, 30_000) }), 409);
    const sub = await k.core.items.get({ userId: owner.id, role: 'user' }, project.rootId);
    expect(sub.id).toBe(project.rootId);
    // Nothing of the refused slices was kept: the rest completes the file byte for byte.
    const status = await env(await slice({ ...base, offset: 20_000, data: data.subarray(20_000, 30_000) }));
    expect(status.Data.ReceivedLength).toBe(30_000);
    const done = await env(await slice({ ...base, offset: 30_000, data: data.subarray(30_000) }));
    expect(sha256(await download(done.Data._id))).toBe(sha256(data));
  });

  it('checks parameters and rights before storing a byte', async () => {
    const data = bytes(1000, 73);
    const base = { fileName: 'r.bin', parentId: rootOid, length: data.length, offset: 0, data };
    await env(await slice({ ...base, tempId: 'not-a-guid' }), 400);
    await env(await slice({ ...base, tempId: randomUUID(), offset: -1 }), 400);
    await env(await slice({ ...base, tempId: randomUUID(), length: -5 }), 400);
    await env(await slice({ ...base, tempId: randomUUID(), fileName: 'a/b' }), 400);
    await env(await slice({ ...base, tempId: randomUUID(), length: 65 * 1024 * 1024 }), 413);
    await env(await slice({ ...base, tempId: randomUUID() }, null), 401);
    await env(await slice({ ...base, tempId: randomUUID() }, viewer), 403);
    // Someone else's folder is not there for a stranger.
    await env(await slice({ ...base, tempId: randomUUID() }, stranger), 404);
  }, 20_000);

  it('lets another user reuse the same FileTempId without seeing the first one', async () => {
    const tempId = randomUUID();
    const a = bytes(3000, 74);
    const b = bytes(3000, 75);
    await env(await slice({ fileName: 'x.bin', parentId: rootOid, tempId, offset: 0, length: 3000, data: a.subarray(0, 1000) }));
    const other = await env(await slice({ fileName: 'x.bin', parentId: toObjectId(stranger.rootId), tempId, offset: 0, length: 3000, data: b.subarray(0, 1000) }, stranger));
    expect(other.Data.ReceivedLength).toBe(1000);
  });

  it('sliced update makes a new version', async () => {
    const first = bytes(5000, 76);
    const tempA = randomUUID();
    const file = await env(await slice({ fileName: 'v.bin', parentId: rootOid, tempId: tempA, offset: 0, length: first.length, data: first }));
    const second = bytes(9000, 77);
    const tempId = `{${randomUUID().toUpperCase()}}`;
    await env(await slice({ id: file.Data._id, tempId, offset: 4000, length: second.length, data: second.subarray(4000) }));
    const done = await env(await slice({ id: file.Data._id, tempId, offset: 0, length: second.length, data: second.subarray(0, 4000) }));
    expect(done.Data).toMatchObject({ _id: file.Data._id, FileSize: 9000, Version: 1 });
    expect(sha256(await download(file.Data._id))).toBe(sha256(second));
    await env(await slice({ id: file.Data._id, tempId: randomUUID(), offset: 0, length: 10, data: bytes(10, 1) }, viewer), 403);
  });

  it('reserves FileLength against the quota from the first slice', async () => {
    const admin = await k.user(undefined, { admin: true });
    const space = await k.core.spaces.create({ userId: owner.id, role: 'user' }, { kind: 'project', name: 'Tight' });
    await k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, space.id, { bytes: 10_000 });
    const parentId = toObjectId(space.rootId);
    const big = await env(await slice({ fileName: 'q.bin', parentId, tempId: randomUUID(), offset: 0, length: 10_001, data: bytes(10, 1) }), 507);
    expect(big.IsOk).toBe(false);
    const data = bytes(8000, 78);
    const tempId = randomUUID();
    await env(await slice({ fileName: 'q.bin', parentId, tempId, offset: 0, length: 8000, data: data.subarray(0, 100) }));
    // The reservation blocks a second upload that would not fit beside it.
    await env(await slice({ fileName: 'q2.bin', parentId, tempId: randomUUID(), offset: 0, length: 3000, data: bytes(10, 1) }), 507);
    const done = await env(await slice({ fileName: 'q.bin', parentId, tempId, offset: 100, length: 8000, data: data.subarray(100) }));
    expect(done.Data.FileSize).toBe(8000);
    expect((await k.core.spaces.get({ userId: owner.id, role: 'user' }, space.id)).usage.bytes).toBe(8000);
  });

  it('a file part before any token is refused without being stored', async () => {
    const form = new FormData();
    form.append('SliceData', blobOf(bytes(100, 1)), 'blob');
    form.append('UserToken', owner.token);
    await env(await fetch(`${k.url}/v1/file/upload_large_file`, { method: 'POST', body: form }), 401);
  });
});

describe.each(backends)('drive sliced upload sessions over time (%s)', (backend) => {
  it('expire after KURA_UPLOAD_SESSION_SECONDS: pieces removed, quota given back, the id starts afresh', async () => {
    const clock = testClock();
    const k = await startKura(backend, { KURA_UPLOAD_SESSION_SECONDS: '1' }, { clock });
    try {
      const u = await k.user();
      const parentId = toObjectId(u.rootId);
      const usage = async () => (await k.core.spaces.get({ userId: u.id, role: 'user' }, u.spaceId)).usage.reserved;
      const tempId = randomUUID();
      const r = await sendSlice(k.url, { token: u.token, fileName: 'e.bin', parentId, tempId, offset: 0, length: 4000, data: bytes(1000, 1) });
      expect((await json(r)).Data.ReceivedLength).toBe(1000);
      expect(await usage()).toBe(4000);
      expect((await readdir(join(k.dataDir, 'blobs', 'uploads'))).length).toBe(1);
      clock.advance(1200);
      await k.core.gc();
      expect(await usage()).toBe(0);
      expect(await readdir(join(k.dataDir, 'blobs', 'uploads'))).toEqual([]);
      const again = await json(await sendSlice(k.url, { token: u.token, fileName: 'e.bin', parentId, tempId, offset: 1000, length: 4000, data: bytes(1000, 2) }));
      expect(again.Data.ReceivedLength).toBe(1000);
      expect(again.Data.ReceivedRanges).toEqual([[1000, 1999]]);
    } finally {
      await k.stop();
    }
  });

  it('forget slices written before a machine restart (never fsynced), so the client sends them again', async () => {
    const k = await startKura(backend);
    try {
      const u = await k.user();
      const data = bytes(20_000, 80);
      const base = { token: u.token, fileName: 'boot.bin', parentId: toObjectId(u.rootId), tempId: randomUUID(), length: data.length };
      await sendSlice(k.url, { ...base, offset: 0, data: data.subarray(0, 10_000) });
      // What a reboot looks like to the store: the piece's epoch is not the machine's any more.
      await k.core.database.db.updateTable('upload_pieces').set({ epoch: 'an-earlier-boot' }).execute();
      const r = await json(await sendSlice(k.url, { ...base, offset: 10_000, data: data.subarray(10_000) }));
      expect(r.Data).toMatchObject({ Completed: false, ReceivedRanges: [[10_000, 19_999]] });
      const done = await json(await sendSlice(k.url, { ...base, offset: 0, data: data.subarray(0, 10_000) }));
      const dl = await fetch(`${k.url}/v1/file/download?${new URLSearchParams({ UserToken: u.token, FileId: done.Data._id })}`);
      expect(sha256(await body(dl))).toBe(sha256(data));
    } finally {
      await k.stop();
    }
  });

  it('survive a restart in the middle', async () => {
    const k1 = await startKura(backend);
    const u = await k1.user();
    const data = bytes(300_000, 79);
    const tempId = randomUUID();
    const base = { token: u.token, fileName: 'restart.bin', parentId: toObjectId(u.rootId), tempId, length: data.length };
    await sendSlice(k1.url, { ...base, offset: 0, data: data.subarray(0, 100_000) });
    await k1.server.stop();
    const k2 = await startKura(backend, { DATA_DIR: k1.dataDir, ...(k1.config.databaseUrl ? { DATABASE_URL: k1.config.databaseUrl } : {}) });
    try {
      await sendSlice(k2.url, { ...base, offset: 200_000, data: data.subarray(200_000) });
      const done = await json(await sendSlice(k2.url, { ...base, offset: 100_000, data: data.subarray(100_000, 200_000) }));
      expect(done.Data.FileSize).toBe(data.length);
      const dl = await fetch(`${k2.url}/v1/file/download?${new URLSearchParams({ UserToken: u.token, FileId: done.Data._id })}`);
      expect(sha256(await body(dl))).toBe(sha256(data));
    } finally {
      await k2.stop();
    }
  });
});
