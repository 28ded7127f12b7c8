import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { json, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

describe.each(backends)('native spaces (%s)', (backend) => {
  let k: TestKura;
  let owner: TestUser;
  let other: TestUser;
  let admin: TestUser;
  beforeAll(async () => {
    k = await startKura(backend);
    owner = await k.user();
    other = await k.user();
    admin = await k.user(undefined, { admin: true });
  });
  afterAll(() => k.stop());

  const call = (method: string, path: string, auth: Record<string, string>, body?: unknown) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });

  it('creates a project space with a root folder and lists it with usage and quota', async () => {
    const res = await call('POST', '/spaces', owner.auth, { kind: 'project', name: 'Apollo' });
    expect(res.status).toBe(201);
    const s = await json(res);
    expect(s).toMatchObject({ kind: 'project', name: 'Apollo', ownerId: owner.id, role: 'owner', usage: { bytes: 0, files: 0 }, quota: { bytes: null, files: null } });
    const root = await json(await call('GET', `/items/${s.rootId}`, owner.auth));
    expect(root).toMatchObject({ kind: 'folder', spaceId: s.id, parentId: null });
    const mine = await json(await call('GET', '/spaces', owner.auth));
    expect(mine.spaces.map((x: { id: number }) => x.id)).toContain(s.id);
    await uploadOne(k.url, owner.auth, s.rootId, 'a.txt', 'hello');
    const after = await json(await call('GET', `/spaces/${s.id}`, owner.auth));
    expect(after.usage).toEqual({ bytes: 5, files: 1, reserved: 0, reservedFiles: 0 });
  });

  it('refuses bad kinds and names', async () => {
    expect((await call('POST', '/spaces', owner.auth, { kind: 'personal', name: 'x' })).status).toBe(400);
    expect((await call('POST', '/spaces', owner.auth, { kind: 'group', name: 'a/b' })).status).toBe(400);
    expect((await call('POST', '/spaces', owner.auth, { kind: 'group' })).status).toBe(400);
  });

  it("hides a space from non-members (404) and manages members and roles", async () => {
    const s = await json(await call('POST', '/spaces', owner.auth, { kind: 'group', name: 'Team' }));
    expect((await call('GET', `/spaces/${s.id}`, other.auth)).status).toBe(404);
    expect((await call('GET', `/items/${s.rootId}`, other.auth)).status).toBe(404);
    // A stranger cannot add itself.
    expect((await call('PUT', `/spaces/${s.id}/members/${other.id}`, other.auth, { role: 'member' })).status).toBe(404);
    const add = await call('PUT', `/spaces/${s.id}/members/${other.id}`, owner.auth, { role: 'viewer' });
    expect(add.status).toBe(200);
    expect((await json(add)).members).toEqual(expect.arrayContaining([expect.objectContaining({ userId: other.id, role: 'viewer' })]));
    // A viewer sees but cannot write, nor manage members.
    expect((await call('GET', `/items/${s.rootId}/children`, other.auth)).status).toBe(200);
    const up = await fetch(`${k.url}/api/v1/items/${s.rootId}/children`, { method: 'POST', headers: { ...other.auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', kind: 'folder' }) });
    expect(up.status).toBe(403);
    expect((await call('PUT', `/spaces/${s.id}/members/${other.id}`, other.auth, { role: 'admin' })).status).toBe(403);
    // Promoted to member, it may write.
    expect((await call('PUT', `/spaces/${s.id}/members/${other.id}`, owner.auth, { role: 'member' })).status).toBe(200);
    const ok = await fetch(`${k.url}/api/v1/items/${s.rootId}/children`, { method: 'POST', headers: { ...other.auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', kind: 'folder' }) });
    expect(ok.status).toBe(201);
    // The owner cannot be demoted or removed; bad roles are 400.
    expect((await call('PUT', `/spaces/${s.id}/members/${owner.id}`, owner.auth, { role: 'viewer' })).status).toBe(409);
    expect((await call('DELETE', `/spaces/${s.id}/members/${owner.id}`, owner.auth)).status).toBe(409);
    expect((await call('PUT', `/spaces/${s.id}/members/${other.id}`, owner.auth, { role: 'god' })).status).toBe(400);
    expect((await call('PUT', `/spaces/${s.id}/members/123456789`, owner.auth, { role: 'member' })).status).toBe(404);
    // Removed, it sees nothing again.
    expect((await call('DELETE', `/spaces/${s.id}/members/${other.id}`, owner.auth)).status).toBe(204);
    expect((await call('GET', `/items/${s.rootId}`, other.auth)).status).toBe(404);
    expect((await call('DELETE', `/spaces/${s.id}/members/${other.id}`, owner.auth)).status).toBe(404);
  });

  it('lets only Kura admins set quotas', async () => {
    const s = await json(await call('POST', '/spaces', owner.auth, { kind: 'group', name: 'Quota' }));
    expect((await call('PUT', `/spaces/${s.id}/quota`, owner.auth, { bytes: 10 })).status).toBe(403);
    const res = await call('PUT', `/spaces/${s.id}/quota`, admin.auth, { bytes: 10, files: 2 });
    expect(res.status).toBe(200);
    expect((await json(res)).quota).toEqual({ bytes: 10, files: 2 });
    expect((await call('PUT', `/spaces/${s.id}/quota`, admin.auth, { bytes: -1 })).status).toBe(400);
    expect((await call('PUT', `/spaces/${s.id}/quota`, admin.auth, { bytes: 'many' })).status).toBe(400);
    expect((await call('PUT', `/spaces/999999999/quota`, admin.auth, { bytes: 1 })).status).toBe(404);
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect((await call('GET', '/spaces/abc', owner.auth)).status).toBe(400);
    expect((await call('GET', '/spaces/424242', owner.auth)).status).toBe(404);
  });
});
