import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { json, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

describe.each(backends)('native trash (%s)', (backend) => {
  let k: TestKura;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    k = await startKura(backend, { KURA_GC_GRACE_SECONDS: '0' });
    alice = await k.user();
    bob = await k.user();
  });
  afterAll(() => k.stop());

  const call = (method: string, path: string, auth = alice.auth, b?: unknown) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...auth, ...(b === undefined ? {} : { 'content-type': 'application/json' }) }, body: b === undefined ? undefined : JSON.stringify(b) });
  const mkdir = async (parent: number, name: string) => (await json(await call('POST', `/items/${parent}/children`, alice.auth, { name, kind: 'folder' }))).items[0];
  const usage = async () => (await json(await call('GET', `/spaces/${alice.spaceId}`))).usage;

  it('lists deleted items and restores them with their subtree', async () => {
    const folder = await mkdir(alice.rootId, 'box');
    const f = await uploadOne(k.url, alice.auth, folder.id, 'in-box.txt', 'inside');
    expect((await call('DELETE', `/items/${folder.id}`)).status).toBe(204);
    const trash = await json(await call('GET', `/spaces/${alice.spaceId}/trash`));
    expect(trash.items.map((i: { id: number }) => i.id)).toEqual([folder.id]);
    expect(trash.items[0].trashedAt).toBeGreaterThan(0);
    const restored = await call('POST', `/items/${folder.id}/restore`);
    expect(restored.status).toBe(200);
    expect((await json(restored)).trashedAt).toBeNull();
    expect(await (await call('GET', `/items/${f.id}/content`)).text()).toBe('inside');
    expect((await json(await call('GET', `/spaces/${alice.spaceId}/trash`))).items).toHaveLength(0);
  });

  it('restores into the root when the folder is gone, renaming on a clash', async () => {
    const folder = await mkdir(alice.rootId, 'parent');
    const f = await uploadOne(k.url, alice.auth, folder.id, 'dup.txt', 'old');
    await call('DELETE', `/items/${f.id}`);
    await call('DELETE', `/items/${folder.id}`);
    await uploadOne(k.url, alice.auth, alice.rootId, 'dup.txt', 'new');
    const r = await json(await call('POST', `/items/${f.id}/restore`));
    expect(r).toMatchObject({ parentId: alice.rootId, name: 'dup (1).txt' });
  });

  it('purges for good: usage is given back and GC removes the bytes', async () => {
    const before = await usage();
    const f = await uploadOne(k.url, alice.auth, alice.rootId, 'purge-me.bin', 'x'.repeat(5000) + 'unique-purge');
    expect((await usage()).bytes).toBe(before.bytes + f.size);
    await call('DELETE', `/items/${f.id}`);
    expect((await usage()).bytes).toBe(before.bytes + f.size);
    expect((await call('DELETE', `/spaces/${alice.spaceId}/trash/${f.id}`)).status).toBe(204);
    expect(await usage()).toEqual(before);
    expect((await call('POST', `/items/${f.id}/restore`)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 5));
    await k.core.gc();
    expect(await k.core.blobs.has(f.sha256)).toBe(false);
  });

  it('empties the trash, including items deleted inside deleted folders', async () => {
    const folder = await mkdir(alice.rootId, 'nested');
    const f = await uploadOne(k.url, alice.auth, folder.id, 'a.txt', 'a');
    await call('DELETE', `/items/${f.id}`);
    await call('DELETE', `/items/${folder.id}`);
    const res = await json(await call('DELETE', `/spaces/${alice.spaceId}/trash`));
    expect(res.purged).toBeGreaterThanOrEqual(1);
    expect((await json(await call('GET', `/spaces/${alice.spaceId}/trash`))).items).toHaveLength(0);
    expect((await call('GET', `/items/${f.id}`)).status).toBe(404);
  });

  it("hides another user's trash and refuses to restore or purge it (404)", async () => {
    const f = await uploadOne(k.url, alice.auth, alice.rootId, 'private.txt', 'p');
    await call('DELETE', `/items/${f.id}`);
    expect((await call('GET', `/spaces/${alice.spaceId}/trash`, bob.auth)).status).toBe(404);
    expect((await call('POST', `/items/${f.id}/restore`, bob.auth)).status).toBe(404);
    expect((await call('DELETE', `/spaces/${alice.spaceId}/trash/${f.id}`, bob.auth)).status).toBe(404);
    expect((await call('POST', '/items/987654321/restore')).status).toBe(404);
    // A live item is not in the trash.
    const live = await uploadOne(k.url, alice.auth, alice.rootId, 'live.txt', 'l');
    expect((await call('POST', `/items/${live.id}/restore`)).status).toBe(404);
  });
});
