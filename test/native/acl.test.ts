import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Right } from '../../src/core/rights.js';
import { backends } from '../helpers/backends.js';
import { json, upload, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

const READ = Right.READ_ATTRS | Right.LIST | Right.READ_CONTENT;

describe.each(backends)('access entries (%s)', (backend) => {
  let k: TestKura;
  let owner: TestUser, admin: TestUser, member: TestUser, viewer: TestUser, stranger: TestUser, teamMate: TestUser;
  let space: { id: number; rootId: number };
  let team: { id: number };
  let secret: { id: number }, secretFile: { id: number }, open: { id: number };

  const call = (method: string, path: string, auth: Record<string, string>, b?: unknown) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...auth, ...(b === undefined ? {} : { 'content-type': 'application/json' }) }, body: b === undefined ? undefined : JSON.stringify(b) });
  const status = async (method: string, path: string, u: TestUser, b?: unknown) => (await call(method, path, u.auth, b)).status;
  const names = async (folder: number, u: TestUser) => (await json(await call('GET', `/items/${folder}/children`, u.auth))).items.map((i: { name: string }) => i.name);

  beforeAll(async () => {
    k = await startKura(backend);
    [owner, admin, member, viewer, stranger, teamMate] = await Promise.all([k.user(), k.user(), k.user(), k.user(), k.user(), k.user()]);
    space = await json(await call('POST', '/spaces', owner.auth, { kind: 'project', name: 'acl' }));
    for (const [u, role] of [[admin, 'admin'], [member, 'member'], [viewer, 'viewer']] as const) {
      expect(await status('PUT', `/spaces/${space.id}/members/${u.id}`, owner, { role })).toBe(200);
    }
    team = await json(await call('POST', '/spaces', teamMate.auth, { kind: 'group', name: 'team' }));
    secret = (await json(await call('POST', `/items/${space.rootId}/children`, owner.auth, { name: 'secret', kind: 'folder' }))).items[0];
    secretFile = await uploadOne(k.url, owner.auth, secret.id, 'plan.txt', 'the plan');
    open = (await json(await call('POST', `/items/${space.rootId}/children`, owner.auth, { name: 'open', kind: 'folder' }))).items[0];
  });
  afterAll(() => k.stop());

  it('without entries, roles decide: owner/admin/member write, viewer reads, stranger sees nothing', async () => {
    for (const u of [owner, admin, member, viewer]) expect(await status('GET', `/items/${secretFile.id}/content`, u)).toBe(200);
    expect(await status('GET', `/items/${secretFile.id}/content`, stranger)).toBe(404);
    expect((await upload(k.url, member.auth, open.id, [{ name: 'm.txt', data: 'm' }])).status).toBe(201);
    expect((await upload(k.url, viewer.auth, open.id, [{ name: 'v.txt', data: 'v' }])).status).toBe(403);
    // Only holders of the edit-permissions right may add entries.
    expect(await status('POST', `/items/${secret.id}/acl`, member, { actorType: 0, actorId: member.id, mask: 1 })).toBe(403);
    expect(await status('POST', `/items/${secret.id}/acl`, stranger, { actorType: 0, actorId: stranger.id, mask: 1 })).toBe(404);
  });

  it('a role entry denies members a folder: hidden from listings, reads and writes below it', async () => {
    const r = await call('POST', `/items/${secret.id}/acl`, owner.auth, { actorType: 2, actorId: 2, mask: 0 });
    expect(r.status).toBe(201);
    const entry = await json(r);
    expect(await status('GET', `/items/${secret.id}`, member)).toBe(404);
    expect(await status('GET', `/items/${secretFile.id}/content`, member)).toBe(404);
    expect(await names(space.rootId, member)).toEqual(['open']);
    expect(await names(space.rootId, viewer)).toEqual(['open', 'secret']);
    expect((await upload(k.url, member.auth, secret.id, [{ name: 'x.txt', data: 'x' }])).status).toBe(404);
    // Owners and admins are not locked out.
    expect(await status('GET', `/items/${secretFile.id}/content`, owner)).toBe(200);
    expect(await status('GET', `/items/${secretFile.id}/content`, admin)).toBe(200);
    // The member's own user entry beats the role entry at the same level.
    const own = await json(await call('POST', `/items/${secret.id}/acl`, owner.auth, { actorType: 0, actorId: member.id, mask: READ }));
    expect(await status('GET', `/items/${secretFile.id}/content`, member)).toBe(200);
    expect((await upload(k.url, member.auth, secret.id, [{ name: 'x.txt', data: 'x' }])).status).toBe(403);
    expect(await status('DELETE', `/acl/${own.id}`, owner)).toBe(204);
    expect(await status('DELETE', `/acl/${entry.id}`, owner)).toBe(204);
    expect(await status('GET', `/items/${secretFile.id}/content`, member)).toBe(200);
  });

  it('the nearest entry wins: a deny on a folder, a grant on a file inside', async () => {
    const deny = await json(await call('POST', `/items/${secret.id}/acl`, owner.auth, { actorType: 0, actorId: viewer.id, mask: 0 }));
    const grant = await json(await call('POST', `/items/${secretFile.id}/acl`, owner.auth, { actorType: 0, actorId: viewer.id, mask: READ }));
    expect(await status('GET', `/items/${secret.id}`, viewer)).toBe(404);
    expect(await status('GET', `/items/${secretFile.id}/content`, viewer)).toBe(200);
    const ancestors = await json(await call('GET', `/items/${secretFile.id}/ancestors`, viewer.auth));
    expect(ancestors.items.map((i: { id: number }) => i.id)).toEqual([space.rootId]);
    await call('DELETE', `/acl/${grant.id}`, owner.auth);
    await call('DELETE', `/acl/${deny.id}`, owner.auth);
  });

  it('grants a stranger one file, and a group space its folder', async () => {
    const e = await json(await call('POST', `/items/${secretFile.id}/acl`, owner.auth, { actorType: 0, actorId: stranger.id, mask: READ }));
    expect(await status('GET', `/items/${secretFile.id}/content`, stranger)).toBe(200);
    expect(await status('GET', `/items/${secret.id}`, stranger)).toBe(404);
    expect((await json(await call('GET', `/items/${secretFile.id}/ancestors`, stranger.auth))).items).toEqual([]);
    expect(await status('PATCH', `/items/${secretFile.id}`, stranger, { name: 'mine.txt' })).toBe(403);
    // Modify to inherit (-1): as if absent.
    expect((await json(await call('PATCH', `/acl/${e.id}`, owner.auth, { mask: -1 }))).mask).toBe(-1);
    expect(await status('GET', `/items/${secretFile.id}/content`, stranger)).toBe(404);
    await call('DELETE', `/acl/${e.id}`, owner.auth);

    const g = await call('POST', `/items/${open.id}/acl`, owner.auth, { actorType: 1, actorId: team.id, mask: READ | Right.CREATE });
    expect(g.status).toBe(201);
    expect((await upload(k.url, teamMate.auth, open.id, [{ name: 'team.txt', data: 't' }])).status).toBe(201);
    expect(await status('GET', `/items/${open.id}/children`, teamMate)).toBe(200);
    expect(await status('GET', `/items/${secret.id}`, teamMate)).toBe(404);
    const list = await json(await call('GET', `/items/${open.id}/acl`, owner.auth));
    expect(list.entries).toEqual([expect.objectContaining({ actorType: 1, actorId: team.id })]);
  });

  it('validates entries: bad types, masks, unknown actors, duplicates, someone else’s entry ids', async () => {
    expect(await status('POST', `/items/${open.id}/acl`, owner, { actorType: 7, actorId: 1, mask: 1 })).toBe(400);
    expect(await status('POST', `/items/${open.id}/acl`, owner, { actorType: 0, actorId: member.id, mask: 1 << 20 })).toBe(400);
    expect(await status('POST', `/items/${open.id}/acl`, owner, { actorType: 0, actorId: member.id, mask: 'all' })).toBe(400);
    expect(await status('POST', `/items/${open.id}/acl`, owner, { actorType: 0, actorId: 424242, mask: 1 })).toBe(404);
    expect(await status('POST', `/items/${open.id}/acl`, owner, { actorType: 2, actorId: 9, mask: 1 })).toBe(400);
    const e = await json(await call('POST', `/items/${open.id}/acl`, owner.auth, { actorType: 0, actorId: member.id, mask: READ }));
    expect(await status('POST', `/items/${open.id}/acl`, owner, { actorType: 0, actorId: member.id, mask: 1 })).toBe(409);
    expect(await status('PATCH', `/acl/${e.id}`, stranger, { mask: 0 })).toBe(404);
    expect(await status('DELETE', `/acl/${e.id}`, member, undefined)).toBe(403);
    expect(await status('DELETE', '/acl/123456789', owner)).toBe(404);
  });
});
