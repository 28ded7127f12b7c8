import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { body, json, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

/**
 * One rule for every subtree operation: a member who cannot see a file (an access entry
 * hides it) neither copies it out with its folder, nor moves or deletes the folder holding
 * it, nor finds it in trees.
 */
describe.each(backends)('subtree operations respect what an entry hides (%s)', (backend) => {
  let k: TestKura;
  let owner: TestUser, member: TestUser;
  let space: { id: number; rootId: number };
  let folder: { id: number }, shown: { id: number }, hidden: { id: number }, inner: { id: number }, deep: { id: number };

  const call = (method: string, path: string, u: TestUser, b?: unknown) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...u.auth, ...(b === undefined ? {} : { 'content-type': 'application/json' }) }, body: b === undefined ? undefined : JSON.stringify(b) });
  const folderIn = async (parent: number, name: string) => (await json(await call('POST', `/items/${parent}/children`, owner, { name, kind: 'folder' }))).items[0];
  const tree = async (id: number, u: TestUser) => {
    const names: string[] = [];
    const walk = (ns: { name: string; children: unknown[] }[], at: string) => ns.forEach((n) => (names.push(`${at}${n.name}`), walk(n.children as never, `${at}${n.name}/`)));
    walk((await json(await call('GET', `/items/${id}/tree`, u))).items, '');
    return names.sort();
  };

  beforeAll(async () => {
    k = await startKura(backend);
    [owner, member] = await Promise.all([k.user(), k.user()]);
    space = await json(await call('POST', '/spaces', owner, { kind: 'project', name: 'hidden things' }));
    expect((await call('PUT', `/spaces/${space.id}/members/${member.id}`, owner, { role: 'member' })).status).toBe(200);
    folder = await folderIn(space.rootId, 'reports');
    shown = await uploadOne(k.url, owner.auth, folder.id, 'shown.txt', 'for everyone');
    hidden = await uploadOne(k.url, owner.auth, folder.id, 'salaries.txt', 'for the owner');
    inner = await folderIn(folder.id, 'inner');
    deep = await uploadOne(k.url, owner.auth, inner.id, 'deep.txt', 'deep down');
    // The member may not see the salaries; everything else it may change.
    expect((await call('POST', `/items/${hidden.id}/acl`, owner, { actorType: 0, actorId: member.id, mask: 0 })).status).toBe(201);
  });
  afterAll(() => k.stop());

  it('trees show the member only what it may see', async () => {
    expect(await tree(folder.id, member)).toEqual(['inner', 'inner/deep.txt', 'shown.txt']);
    expect(await tree(folder.id, owner)).toEqual(['inner', 'inner/deep.txt', 'salaries.txt', 'shown.txt']);
  });

  it('a copy of the folder into the member’s own space holds only what it may see', async () => {
    const r = await call('POST', `/items/${folder.id}/copy`, member, { parentId: member.rootId });
    expect(r.status).toBe(201);
    const copy = await json(r);
    expect(await tree(copy.id, member)).toEqual(['inner', 'inner/deep.txt', 'shown.txt']);
    const files = (await json(await call('GET', `/items/${copy.id}/children`, member))).items as { name: string; id: number }[];
    expect(files.map((f) => f.name)).not.toContain('salaries.txt');
    // The copy counts what was copied, not what was hidden.
    const mine = await json(await call('GET', `/spaces/${member.spaceId}`, member));
    expect(mine.usage).toEqual({ bytes: 'for everyone'.length + 'deep down'.length, files: 2, reserved: 0, reservedFiles: 0 });
  });

  it('moving or deleting the folder is refused, and nothing changes', async () => {
    const moved = await call('POST', `/items/${folder.id}/move`, member, { parentId: member.rootId });
    expect(moved.status).toBe(403);
    expect((await call('DELETE', `/items/${folder.id}`, member)).status).toBe(403);
    expect((await call('PATCH', `/items/${folder.id}`, member, { parentId: member.rootId })).status).toBe(403);
    // Still in place, still the owner's, every byte there.
    expect((await json(await call('GET', `/items/${folder.id}`, owner))).parentId).toBe(space.rootId);
    const res = await call('GET', `/items/${hidden.id}/content`, owner);
    expect((await body(res)).toString()).toBe('for the owner');
    expect((await call('GET', `/items/${hidden.id}`, member)).status).toBe(404);
  });

  it('what the member sees in full it may still move and delete', async () => {
    const r = await call('POST', `/items/${inner.id}/move`, member, { parentId: space.rootId });
    expect(r.status).toBe(200);
    expect((await call('DELETE', `/items/${inner.id}`, member)).status).toBe(204);
    expect((await call('GET', `/items/${deep.id}`, owner)).status).toBe(404);
    expect((await call('GET', `/items/${shown.id}`, member)).status).toBe(200);
  });
});
