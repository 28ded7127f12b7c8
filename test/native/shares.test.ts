import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { unzip } from '../helpers/zip.js';

describe.each(backends)('native shares (%s)', (backend) => {
  let k: TestKura;
  let alice: TestUser, viewer: TestUser, stranger: TestUser;
  let group: { id: number; rootId: number };

  const call = (method: string, path: string, auth: Record<string, string> = alice.auth, b?: unknown) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...auth, ...(b === undefined ? {} : { 'content-type': 'application/json' }) }, body: b === undefined ? undefined : JSON.stringify(b) });
  const create = async (b: Record<string, unknown>, auth = alice.auth) => {
    const res = await call('POST', '/shares', auth, b);
    const out = await json(res);
    expect(res.status, JSON.stringify(out)).toBe(201);
    return out.shares;
  };
  const content = (token: string, code?: string, headers: Record<string, string> = {}) =>
    fetch(`${k.url}/api/v1/shares/${token}/content${code === undefined ? '' : `?code=${encodeURIComponent(code)}`}`, { headers });
  const resetLimits = () => k.core.database.db.deleteFrom('rate_limits').execute();

  beforeAll(async () => {
    k = await startKura(backend, { PUBLIC_URL: 'https://kura.example.test' });
    [alice, viewer, stranger] = await Promise.all([k.user(), k.user(), k.user()]);
    group = await k.core.spaces.create({ userId: alice.id, role: 'user' }, { kind: 'group', name: 'team' });
    await k.core.spaces.setMember({ userId: alice.id, role: 'user' }, group.id, viewer.id, 'viewer');
  });
  afterAll(() => k.stop());

  it('creates a public share, lists it, and serves it without a token (Range too)', async () => {
    const data = bytes(250_000, 3);
    const f = await uploadOne(k.url, alice.auth, alice.rootId, 'data.bin', data);
    const [s] = await create({ itemIds: [f.id], type: 'public' });
    expect(s).toMatchObject({ itemId: f.id, itemName: 'data.bin', itemKind: 'file', spaceId: alice.spaceId, createdBy: alice.id, type: 'public', code: null, expiresAt: null, maxDownloads: null, downloadCount: 0 });
    expect(s.token).toMatch(/^[0-9a-f]{24}$/);
    expect(s.url).toBe(`https://kura.example.test/api/v1/shares/${s.token}/content`);
    const res = await content(s.token);
    expect(res.status).toBe(200);
    expect(sha256(await body(res))).toBe(sha256(data));
    const part = await content(s.token, undefined, { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(await body(part)).toEqual(data.subarray(10, 20));
    expect((await json(await call('GET', `/shares/${s.id}`))).downloadCount).toBe(2);
    const listed = await json(await call('GET', `/shares?spaceId=${alice.spaceId}`));
    expect(listed.shares.map((x: { id: number }) => x.id)).toContain(s.id);
    expect((await json(await call('GET', `/shares?spaceId=${group.id}`))).shares.map((x: { id: number }) => x.id)).not.toContain(s.id);
    expect((await call('GET', '/shares', {})).status).toBe(401);
    // Without spaceId: the caller's shares across its spaces, nobody else's.
    expect((await json(await call('GET', '/shares'))).shares.map((x: { id: number }) => x.id)).toContain(s.id);
    expect((await json(await call('GET', '/shares', stranger.auth))).shares).toEqual([]);
  });

  it('needs the code for a private share; wrong codes and unknown shares look alike', async () => {
    await resetLimits();
    const f = await uploadOne(k.url, alice.auth, alice.rootId, 'private.txt', 'hush');
    const [s] = await create({ itemIds: [f.id], type: 'private' });
    expect(s.code).toMatch(/^[2-9A-HJ-NP-Z]{6}$/);
    const answers = [await content(s.token), await content(s.token, s.code === 'ZZZZZZ' ? 'YYYYYY' : 'ZZZZZZ'), await content(randomBytes(12).toString('hex'), s.code)];
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404]);
    const bodies = await Promise.all(answers.map((r) => r.text()));
    expect(new Set(bodies).size).toBe(1);
    expect(await (await content(s.token, s.code)).text()).toBe('hush');
    await resetLimits();
  });

  it('honours a download limit and an expiry', async () => {
    await resetLimits();
    const f = await uploadOne(k.url, alice.auth, alice.rootId, 'once.txt', 'only once');
    const [once] = await create({ itemIds: [f.id], type: 'public', maxDownloads: 1 });
    expect(await (await content(once.token)).text()).toBe('only once');
    expect((await content(once.token)).status).toBe(404);
    expect((await json(await call('GET', `/shares/${once.id}`))).downloadCount).toBe(1);
    expect((await call('POST', '/shares', alice.auth, { itemIds: [f.id], type: 'public', expiresAt: Date.now() - 1000 })).status).toBe(400);
    expect((await call('POST', '/shares', alice.auth, { itemIds: [f.id], type: 'public', maxDownloads: 0 })).status).toBe(400);
    expect((await call('POST', '/shares', alice.auth, { itemIds: [f.id], type: 'secret' })).status).toBe(400);
    const [later] = await create({ itemIds: [f.id], type: 'public', expiresAt: Date.now() + 60_000 });
    expect((await content(later.token)).status).toBe(200);
    await k.core.database.db.updateTable('shares').set({ expires_at: Date.now() - 1 }).where('id', '=', later.id).execute();
    expect((await content(later.token)).status).toBe(404);
    await resetLimits();
  });

  it('checks rights: SHARE to create, creator or SHARE to remove', async () => {
    const f = await uploadOne(k.url, alice.auth, group.rootId, 'team.txt', 'team');
    expect((await call('POST', '/shares', viewer.auth, { itemIds: [f.id], type: 'public' })).status).toBe(403);
    expect((await call('POST', '/shares', stranger.auth, { itemIds: [f.id], type: 'public' })).status).toBe(404);
    const [s] = await create({ itemIds: [f.id], type: 'public' });
    expect((await json(await call('GET', '/shares', viewer.auth))).shares).toEqual([]);
    expect((await call('GET', `/shares/${s.id}`, viewer.auth)).status).toBe(404);
    expect((await call('DELETE', `/shares/${s.id}`, viewer.auth)).status).toBe(403);
    expect((await call('DELETE', `/shares/${s.id}`, stranger.auth)).status).toBe(404);
    expect((await call('DELETE', `/shares/${s.id}`)).status).toBe(204);
    expect((await call('GET', `/shares/${s.id}`)).status).toBe(404);
    await resetLimits();
    expect((await content(s.token)).status).toBe(404);
    await resetLimits();
  });

  it('serves a folder as a zip of its live contents', async () => {
    const folder = (await json(await call('POST', `/items/${alice.rootId}/children`, alice.auth, { name: 'photos', kind: 'folder' }))).items[0];
    const one = bytes(70_000, 9);
    await uploadOne(k.url, alice.auth, folder.id, 'one.bin', one);
    const trashed = await uploadOne(k.url, alice.auth, folder.id, 'two.bin', 'two');
    await call('DELETE', `/items/${trashed.id}`);
    const [s] = await create({ itemIds: [folder.id], type: 'public' });
    expect(s.itemKind).toBe('folder');
    const res = await content(s.token);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const entries = await unzip(await body(res));
    expect([...entries.keys()].sort()).toEqual(['photos/', 'photos/one.bin']);
    expect(sha256(entries.get('photos/one.bin')!)).toBe(sha256(one));
  });

  it('cuts a zip download when content is missing from the store, and keeps serving', async () => {
    const folder = (await json(await call('POST', `/items/${alice.rootId}/children`, alice.auth, { name: 'broken', kind: 'folder' }))).items[0];
    await uploadOne(k.url, alice.auth, folder.id, 'first.bin', bytes(200_000, 21));
    const lost = await uploadOne(k.url, alice.auth, folder.id, 'second.bin', bytes(200_000, 22));
    await k.core.blobs.delete(lost.sha256);
    const [s] = await create({ itemIds: [folder.id], type: 'public' });
    const res = await content(s.token);
    expect(res.status).toBe(200);
    await expect(body(res)).rejects.toThrow();
    expect((await call('GET', `/shares/${s.id}`)).status).toBe(200);
  });

  it('lets a shared item be purged; its shares go with it', async () => {
    const f = await uploadOne(k.url, alice.auth, alice.rootId, 'purge.txt', 'bye');
    const [s] = await create({ itemIds: [f.id], type: 'public' });
    expect((await call('DELETE', `/items/${f.id}`)).status).toBe(204);
    expect((await call('GET', `/shares/${s.id}`)).status).toBe(404);
    await resetLimits();
    expect((await content(s.token)).status).toBe(404);
    expect((await call('DELETE', `/spaces/${alice.spaceId}/trash/${f.id}`)).status).toBe(204);
    expect(await k.core.database.db.selectFrom('shares').selectAll().where('id', '=', s.id).execute()).toEqual([]);
    await resetLimits();
  });

  it('documents the routes in the OpenAPI document; the download needs no token', async () => {
    const doc = await json(await fetch(`${k.url}/api/v1/openapi.json`));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/shares', '/api/v1/shares/{id}', '/api/v1/shares/{token}/content']));
    expect(doc.paths['/api/v1/shares/{token}/content'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/shares'].post.requestBody).toBeTruthy();
  });
});
