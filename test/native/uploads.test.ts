import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { bytes, json, sha256, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { sendSlice } from '../helpers/slices.js';
import { toObjectId } from '../../src/http/shared/ids.js';

describe.each(backends)('native resumable uploads (%s)', (backend) => {
  let k: TestKura;
  let alice: TestUser, bob: TestUser;

  const create = (u: TestUser, b: Record<string, unknown>) => fetch(`${k.url}/api/v1/uploads`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify(b) });
  const put = (u: TestUser, key: string, offset: number | string, data: Buffer) =>
    fetch(`${k.url}/api/v1/uploads/${key}?offset=${offset}`, { method: 'PUT', headers: { ...u.auth, 'content-type': 'application/octet-stream' }, body: new Uint8Array(data) });

  beforeAll(async () => {
    k = await startKura(backend);
    [alice, bob] = await Promise.all([k.user(), k.user()]);
  });
  afterAll(() => k.stop());

  it('after completion, a re-sent slice is answered with the file when its bytes match, 409 when they differ', async () => {
    const data = bytes(300_000, 92);
    const up = await json(await create(alice, { key: 'resend-after-done', folderId: alice.rootId, name: 'resent.bin', length: data.length }));
    expect((await put(alice, up.key, 0, data.subarray(0, 100_000))).status).toBe(200);
    const done = await put(alice, up.key, 100_000, data.subarray(100_000));
    expect(done.status).toBe(201);
    const file = (await json(done)).item;
    // The client lost the answer and sends a slice again: same bytes, same answer.
    const again = await put(alice, up.key, 100_000, data.subarray(100_000, 200_000));
    expect(again.status).toBe(201);
    expect((await json(again)).item).toMatchObject({ id: file.id, sha256: sha256(data) });
    // Different bytes for a finished upload: refused, the file keeps its bytes.
    const changed = Buffer.from(data.subarray(0, 100_000));
    changed[500] ^= 0xff;
    expect((await put(alice, up.key, 0, changed)).status).toBe(409);
    expect((await put(alice, up.key, 250_000, bytes(60_000, 93))).status).toBe(409);
    const item = await json(await fetch(`${k.url}/api/v1/items/${file.id}`, { headers: alice.auth }));
    expect(item).toMatchObject({ sha256: sha256(data), version: 1 });
  });

  it('creates, receives out of order, reports ranges and completes with 201 and the file', async () => {
    const data = bytes(700_000, 91);
    const res = await create(alice, { folderId: alice.rootId, name: 'native.bin', length: data.length });
    expect(res.status).toBe(201);
    const up = await json(res);
    expect(up).toMatchObject({ name: 'native.bin', length: data.length, received: 0, ranges: [], state: 'open', folderId: alice.rootId });
    expect(up.key).toMatch(/^[0-9a-f]{32}$/);
    expect(up.expiresAt).toBeGreaterThan(Date.now());
    let r = await put(alice, up.key, 400_000, data.subarray(400_000));
    expect(r.status).toBe(200);
    expect((await json(r)).upload).toMatchObject({ received: 300_000, ranges: [[400_000, 699_999]] });
    r = await put(alice, up.key, 400_000, data.subarray(400_000, 500_000));
    expect(r.status).toBe(200);
    const status = await json(await fetch(`${k.url}/api/v1/uploads/${up.key}`, { headers: alice.auth }));
    expect(status).toMatchObject({ received: 300_000, state: 'open' });
    r = await put(alice, up.key, 0, data.subarray(0, 400_000));
    expect(r.status).toBe(201);
    const done = await json(r);
    expect(done).toMatchObject({ done: true, upload: { state: 'done', received: data.length }, item: { name: 'native.bin', size: data.length } });
    const content = Buffer.from(await (await fetch(`${k.url}/api/v1/items/${done.item.id}/content`, { headers: alice.auth })).arrayBuffer());
    expect(sha256(content)).toBe(sha256(data));
  });

  it('shares sessions with the drive dialect: a drive FileTempId is the same upload', async () => {
    const data = bytes(5000, 92);
    const guid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const key = guid.replace(/-/g, '');
    expect((await create(alice, { key, folderId: alice.rootId, name: 'both.bin', length: data.length })).status).toBe(201);
    expect((await put(alice, key, 0, data.subarray(0, 2000))).status).toBe(200);
    const res = await sendSlice(k.url, { token: alice.token, fileName: 'both.bin', parentId: toObjectId(alice.rootId), tempId: guid, offset: 2000, length: data.length, data: data.subarray(2000) });
    expect((await json(res)).Data).toMatchObject({ Name: 'both.bin', FileSize: 5000 });
  });

  it('refuses bad input with clear errors and never shows one user another\'s upload', async () => {
    expect((await create(alice, { folderId: alice.rootId, length: 10 })).status).toBe(400);
    expect((await create(alice, { folderId: alice.rootId, itemId: 5, name: 'x', length: 10 })).status).toBe(400);
    expect((await create(alice, { folderId: alice.rootId, name: 'x', length: -1 })).status).toBe(400);
    expect((await create(alice, { folderId: alice.rootId, name: 'x', length: 'ten' })).status).toBe(400);
    expect((await create(alice, { folderId: bob.rootId, name: 'x', length: 10 })).status).toBe(404);
    expect((await fetch(`${k.url}/api/v1/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"length":1}' })).status).toBe(401);
    const up = await json(await create(alice, { key: 'my-upload-1', folderId: alice.rootId, name: 'x.bin', length: 10 }));
    expect(up.key).toBe('my-upload-1');
    // Same key, other file: 409. Other user, same key: a different upload of their own.
    expect((await create(alice, { key: 'my-upload-1', folderId: alice.rootId, name: 'y.bin', length: 10 })).status).toBe(409);
    expect((await fetch(`${k.url}/api/v1/uploads/my-upload-1`, { headers: bob.auth })).status).toBe(404);
    expect((await put(bob, 'my-upload-1', 0, bytes(10, 1))).status).toBe(404);
    expect((await put(alice, 'my-upload-1', 0, bytes(11, 1))).status).toBe(409);
    expect((await put(alice, 'my-upload-1', 'x', bytes(1, 1))).status).toBe(400);
    expect((await put(alice, 'nope', 0, bytes(1, 1))).status).toBe(404);
    expect((await fetch(`${k.url}/api/v1/uploads/${'z'.repeat(101)}`, { headers: alice.auth })).status).toBe(400);
  });

  it('cancels: pieces dropped, quota given back, the key free again', async () => {
    const usage = async () => (await json(await fetch(`${k.url}/api/v1/spaces/${alice.spaceId}`, { headers: alice.auth }))).usage;
    const before = await usage();
    const up = await json(await create(alice, { folderId: alice.rootId, name: 'cancel.bin', length: 100_000 }));
    expect(await usage()).toEqual({ ...before, reserved: before.reserved + 100_000, reservedFiles: before.reservedFiles + 1 });
    await put(alice, up.key, 0, bytes(1000, 1));
    expect((await fetch(`${k.url}/api/v1/uploads/${up.key}`, { method: 'DELETE', headers: bob.auth })).status).toBe(404);
    expect((await fetch(`${k.url}/api/v1/uploads/${up.key}`, { method: 'DELETE', headers: alice.auth })).status).toBe(204);
    expect(await usage()).toEqual(before);
    expect((await fetch(`${k.url}/api/v1/uploads/${up.key}`, { headers: alice.auth })).status).toBe(404);
  });

  it('a full file quota refuses the creation (507), not the last slice; a new version needs no file reservation', async () => {
    const admin = await k.user(undefined, { admin: true });
    const carol = await k.user();
    const space = async () => (await json(await fetch(`${k.url}/api/v1/spaces/${carol.spaceId}`, { headers: carol.auth }))).usage;
    const file = await uploadOne(k.url, carol.auth, carol.rootId, 'one.bin', 'one');
    await k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, carol.spaceId, { files: 1 });
    const full = await create(carol, { folderId: carol.rootId, name: 'two.bin', length: 10 });
    expect(full.status).toBe(507);
    expect((await json(full)).error.code).toBe('quota_exceeded');
    expect(await space()).toEqual({ bytes: 3, files: 1, reserved: 0, reservedFiles: 0 });
    const version = await json(await create(carol, { itemId: file.id, length: 3 }));
    expect(await space()).toMatchObject({ reserved: 3, reservedFiles: 0 });
    expect((await put(carol, version.key, 0, bytes(3, 5))).status).toBe(201);
    // One slot free: the open upload holds it until it completes.
    await k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, carol.spaceId, { files: 2 });
    const open = await json(await create(carol, { folderId: carol.rootId, name: 'two.bin', length: 10 }));
    expect(await space()).toMatchObject({ files: 1, reservedFiles: 1 });
    expect((await create(carol, { folderId: carol.rootId, name: 'three.bin', length: 10 })).status).toBe(507);
    expect((await put(carol, open.key, 0, bytes(10, 6))).status).toBe(201);
    expect(await space()).toEqual({ bytes: 16, files: 2, reserved: 0, reservedFiles: 0 });
    expect(await k.core.usage.verify()).toEqual([]);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await json(await fetch(`${k.url}/api/v1/openapi.json`));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/uploads', '/api/v1/uploads/{key}']));
  });
});
