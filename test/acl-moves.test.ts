import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Right } from '../src/core/rights.js';
import { toObjectId } from '../src/http/shared/ids.js';
import { up as repairEntrySpaces } from '../src/store/migrations/0015_acl_entries_follow_items.js';
import { backends } from './helpers/backends.js';
import { json, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';

const READ = Right.READ_ATTRS | Right.LIST | Right.READ_CONTENT;

/** Files readable by id without a token, so public reads show what the entries hide. */
const PUBLIC = '?public=true';

/**
 * Access entries go with their items into another space (issue 20): a deny keeps denying
 * after a move, through every face (native, drive, the public read by id).
 */
describe.each(backends)('access entries across spaces (%s)', (backend) => {
  let k: TestKura;
  let owner: TestUser, carol: TestUser, dave: TestUser, vic: TestUser, tom: TestUser, stranger: TestUser;
  let G: { id: number; rootId: number }, P: { id: number; rootId: number }, T: { id: number };

  const call = (method: string, path: string, u: TestUser, b?: unknown) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...u.auth, ...(b === undefined ? {} : { 'content-type': 'application/json' }) }, body: b === undefined ? undefined : JSON.stringify(b) });
  const entry = async (itemId: number, actorType: number, actorId: number, mask: number) => {
    const res = await call('POST', `/items/${itemId}/acl`, owner, { actorType, actorId, mask });
    expect(res.status).toBe(201);
    return (await json(res)) as { id: number };
  };
  const folder = async (parent: number, name: string) => (await json(await call('POST', `/items/${parent}/children`, owner, { name, kind: 'folder' }))).items[0] as { id: number };
  const native = async (id: number, u: TestUser) => (await call('GET', `/items/${id}/content`, u)).status;
  const drive = async (id: number, u: TestUser) => (await fetch(`${k.url}/v1/file/download?${new URLSearchParams({ UserToken: u.token, FileId: toObjectId(id) })}`)).status;
  const resource = async (id: number) => (await fetch(`${k.url}/v1/file/resource?Id=${toObjectId(id)}`)).status;
  /** What `u` gets through native and drive, and what a public read gets. */
  const reads = async (id: number, u: TestUser) => [await native(id, u), await drive(id, u), await resource(id)];
  const entrySpaces = async (itemIds: number[]) =>
    (await k.core.database.db.selectFrom('acl_entries').select('space_id').where('item_id', 'in', itemIds).execute()).map((r) => Number(r.space_id));
  const spaceOf = async (id: number) => Number((await json(await call('GET', `/items/${id}`, owner))).spaceId);
  const driveMove = (ids: number[], dest: number, u: TestUser) =>
    fetch(`${k.url}/v1/file/move_items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserToken: u.token, ItemIds: ids.map(toObjectId), DestFolderId: toObjectId(dest) }) });

  beforeAll(async () => {
    k = await startKura(backend);
    [owner, carol, dave, vic, tom, stranger] = await Promise.all([k.user(), k.user(), k.user(), k.user(), k.user(), k.user()]);
    const o = { userId: owner.id, role: 'user' as const };
    G = await k.core.spaces.create(o, { kind: 'group', name: 'G' });
    P = await k.core.spaces.create(o, { kind: 'project', name: 'P' });
    T = await k.core.spaces.create({ userId: tom.id, role: 'user' }, { kind: 'group', name: 'T' });
    for (const s of [G, P]) {
      await k.core.spaces.setMember(o, s.id, carol.id, 'member');
      await k.core.spaces.setMember(o, s.id, dave.id, 'member');
      await k.core.spaces.setMember(o, s.id, vic.id, 'viewer');
    }
  });
  afterAll(() => k.stop());

  it('a user entry denying a file keeps denying it once the file moves to another space (native move)', async () => {
    const f = await uploadOne(k.url, owner.auth, G.rootId, 'salaries.txt', 'numbers', PUBLIC);
    const deny = await entry(f.id, 0, carol.id, 0);
    expect(await reads(f.id, carol)).toEqual([404, 404, 404]);
    expect(await native(f.id, dave)).toBe(200);
    const moved = await call('POST', `/items/${f.id}/move`, owner, { parentId: P.rootId });
    expect(moved.status).toBe(200);
    expect(await spaceOf(f.id)).toBe(P.id);
    expect(await reads(f.id, carol)).toEqual([404, 404, 404]);
    // Still listed, and it is the entry that applies: removing it lets carol in.
    expect((await json(await call('GET', `/items/${f.id}/acl`, owner))).entries).toEqual([expect.objectContaining({ id: deny.id, actorType: 0, actorId: carol.id, mask: 0 })]);
    expect(await entrySpaces([f.id])).toEqual([P.id]);
    expect(await native(f.id, dave)).toBe(200);
    expect((await call('DELETE', `/acl/${deny.id}`, owner)).status).toBe(204);
    expect(await reads(f.id, carol)).toEqual([200, 200, 200]);
  });

  it('a whole subtree takes its entries along, trashed items included (drive move_items)', async () => {
    const top = await folder(G.rootId, 'reports');
    const inner = await folder(top.id, 'hr');
    const x = await uploadOne(k.url, owner.auth, inner.id, 'x.txt', 'inner secret', PUBLIC);
    const open = await uploadOne(k.url, owner.auth, top.id, 'open.txt', 'for all', PUBLIC);
    const gone = await uploadOne(k.url, owner.auth, inner.id, 'gone.txt', 'trashed', PUBLIC);
    await entry(inner.id, 0, carol.id, 0);
    await entry(gone.id, 0, dave.id, 0);
    expect((await call('DELETE', `/items/${gone.id}`, owner)).status).toBe(204);
    expect(await reads(x.id, carol)).toEqual([404, 404, 404]);
    const res = await driveMove([top.id], P.rootId, owner);
    expect(res.status).toBe(200);
    expect(await spaceOf(x.id)).toBe(P.id);
    expect(await reads(x.id, carol)).toEqual([404, 404, 404]);
    expect(await native(open.id, carol)).toBe(200);
    expect(await entrySpaces([inner.id, gone.id])).toEqual([P.id, P.id]);
    // The trashed file comes back into P with its entry.
    expect((await call('POST', `/items/${gone.id}/restore`, owner)).status).toBe(200);
    expect(await native(gone.id, dave)).toBe(404);
    expect(await native(gone.id, carol)).toBe(404);
    expect(await native(gone.id, owner)).toBe(200);
  });

  it('role entries name the roles of the new space; group entries the same group', async () => {
    const f = await uploadOne(k.url, owner.auth, G.rootId, 'roles.txt', 'for groups', PUBLIC);
    await entry(f.id, 2, 3, 0); // viewers: nothing
    await entry(f.id, 1, T.id, READ); // members of T: read
    expect(await native(f.id, vic)).toBe(404);
    expect(await native(f.id, tom)).toBe(200);
    expect(await resource(f.id)).toBe(404);
    expect((await call('POST', `/items/${f.id}/move`, owner, { parentId: P.rootId })).status).toBe(200);
    // vic is a viewer of P too: P's viewers are denied now; tom, in T, is no member of P.
    expect(await native(f.id, vic)).toBe(404);
    expect(await drive(f.id, vic)).toBe(404);
    expect(await native(f.id, tom)).toBe(200);
    expect(await drive(f.id, tom)).toBe(200);
    expect(await native(f.id, stranger)).toBe(404);
    expect(await resource(f.id)).toBe(404);
    expect(await native(f.id, dave)).toBe(200);
  });

  it('bringing entries into another space needs the right to change permissions there; nothing changes when refused', async () => {
    const f = await uploadOne(k.url, owner.auth, G.rootId, 'guarded.txt', 'guarded', PUBLIC);
    await entry(f.id, 0, carol.id, 0);
    // dave is a member of both spaces: he may move files, not change permissions.
    const refused = await call('POST', `/items/${f.id}/move`, dave, { parentId: P.rootId });
    expect(refused.status).toBe(403);
    expect((await driveMove([f.id], P.rootId, dave)).status).toBe(403);
    expect(await spaceOf(f.id)).toBe(G.id);
    expect(await entrySpaces([f.id])).toEqual([G.id]);
    expect(await reads(f.id, carol)).toEqual([404, 404, 404]);
    const usage = (await json(await call('GET', `/spaces/${P.id}`, owner))).usage;
    expect(usage.files).toBeGreaterThan(0);
    // Within its space, and without entries, he moves as before.
    const sub = await folder(G.rootId, 'within');
    expect((await call('POST', `/items/${f.id}/move`, dave, { parentId: sub.id })).status).toBe(200);
    const plain = await uploadOne(k.url, owner.auth, G.rootId, 'plain.txt', 'plain', PUBLIC);
    expect((await call('POST', `/items/${plain.id}/move`, dave, { parentId: P.rootId })).status).toBe(200);
    // An entry set to inherit applies to no one: it does not hold the move back.
    const inherit = await uploadOne(k.url, owner.auth, G.rootId, 'inherit.txt', 'inherit', PUBLIC);
    await entry(inherit.id, 0, carol.id, -1);
    expect((await call('POST', `/items/${inherit.id}/move`, dave, { parentId: P.rootId })).status).toBe(200);
    expect(await entrySpaces([inherit.id])).toEqual([P.id]);
  });

  it('a copy takes no entries (the copy rule): it is new content of its space', async () => {
    const f = await uploadOne(k.url, owner.auth, G.rootId, 'copied.txt', 'copied', PUBLIC);
    await entry(f.id, 0, carol.id, 0);
    const copy = await json(await call('POST', `/items/${f.id}/copy`, owner, { parentId: P.rootId }));
    expect(await native(f.id, carol)).toBe(404);
    expect(await native(copy.id, carol)).toBe(200);
    expect(await entrySpaces([copy.id])).toEqual([]);
  });

  it('repairs entries that an earlier move left in the old space (migration 0015)', async () => {
    const f = await uploadOne(k.url, owner.auth, G.rootId, 'old-move.txt', 'moved before the fix', PUBLIC);
    await entry(f.id, 0, carol.id, 0);
    expect((await call('POST', `/items/${f.id}/move`, owner, { parentId: P.rootId })).status).toBe(200);
    // What a move before the fix left behind: the entry still says G.
    await k.core.database.db.updateTable('acl_entries').set({ space_id: G.id }).where('item_id', '=', f.id).execute();
    await repairEntrySpaces(k.core.database.db);
    expect(await entrySpaces([f.id])).toEqual([P.id]);
    expect(await reads(f.id, carol)).toEqual([404, 404, 404]);
  });

  it('deleting a space drops its entries: its content in the owner’s trash is the owner’s alone', async () => {
    const o = { userId: owner.id, role: 'user' as const };
    const D = await k.core.spaces.create(o, { kind: 'group', name: 'D' });
    const f = await uploadOne(k.url, owner.auth, D.rootId, 'kept.txt', 'kept', PUBLIC);
    await entry(D.rootId, 0, stranger.id, Right.READ_ATTRS | Right.LIST | Right.READ_CONTENT | Right.DELETE);
    await entry(f.id, 0, stranger.id, READ);
    expect(await native(f.id, stranger)).toBe(200);
    const before = await entrySpaces([D.rootId, f.id]);
    expect(before).toEqual([D.id, D.id]);
    await k.core.spaces.delete({ userId: owner.id, role: 'admin' }, D.id);
    expect(await entrySpaces([D.rootId, f.id])).toEqual([]);
    // The stranger's grants went with the space: no way into the owner's trash.
    expect((await call('GET', `/spaces/${owner.spaceId}/trash`, stranger)).status).toBe(404);
    expect((await call('POST', `/items/${D.rootId}/restore`, stranger)).status).toBe(404);
    expect((await call('POST', `/items/${D.rootId}/restore`, owner)).status).toBe(200);
    expect(await native(f.id, stranger)).toBe(404);
    expect(await native(f.id, owner)).toBe(200);
  });
});
