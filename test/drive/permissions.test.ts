import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { backends } from '../helpers/backends.js';
import { blobOf, bytes, json } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { sendSlice } from '../helpers/slices.js';

type Role = 'owner' | 'member' | 'viewer' | 'denied' | 'stranger';
const ROLES: Role[] = ['owner', 'member', 'viewer', 'denied', 'stranger'];

/**
 * The permission matrix: every role against every kind of operation on one folder `F` (and
 * the file `X` in it). `denied` is a member whom an access entry (mask 0) shuts out of F;
 * `stranger` is no member at all. What a caller may not see is 404, what it sees but may
 * not do is 403, whatever the endpoint.
 */
const MATRIX: Record<string, Record<Role, number>> = {
  read: { owner: 200, member: 200, viewer: 200, denied: 404, stranger: 404 },
  write: { owner: 200, member: 200, viewer: 403, denied: 404, stranger: 404 },
  permissions: { owner: 200, member: 403, viewer: 403, denied: 404, stranger: 404 },
};

describe.each(backends)('drive permission matrix (%s)', (backend) => {
  let k: TestKura;
  const users = {} as Record<Role, TestUser>;
  let F = '';
  let X = '';

  const get = (path: string, q: Record<string, string>, u: TestUser) => fetch(`${k.url}/v1/file/${path}?${new URLSearchParams({ UserToken: u.token, ...q })}`);
  const post = (path: string, b: Record<string, unknown>, u: TestUser) =>
    fetch(`${k.url}/v1/file/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserToken: u.token, ...b }) });
  const upload = (parent: string, name: string, u: TestUser) => {
    const form = new FormData();
    form.append('UserToken', u.token);
    form.append('FileName', name);
    form.append('ParentId', parent);
    form.append('File', blobOf(`content of ${name}`), name);
    return fetch(`${k.url}/v1/file/upload`, { method: 'POST', body: form });
  };
  /** The status, checked to be the envelope's Code too. */
  const status = async (res: Response) => {
    if (!(res.headers.get('content-type') ?? '').includes('json')) {
      await res.arrayBuffer();
      return res.status;
    }
    const e = await json(res);
    expect(e.Code).toBe(res.status);
    return res.status;
  };
  const fresh = async (name: string) => (await json(await upload(F, name, users.owner))).Data._id as string;

  beforeAll(async () => {
    k = await startKura(backend);
    for (const r of ROLES) users[r] = await k.user();
    const owner = { userId: users.owner.id, role: 'user' as const };
    const project = await k.core.spaces.create(owner, { kind: 'project', name: 'Matrix' });
    await k.core.spaces.setMember(owner, project.id, users.member.id, 'member');
    await k.core.spaces.setMember(owner, project.id, users.viewer.id, 'viewer');
    await k.core.spaces.setMember(owner, project.id, users.denied.id, 'member');
    F = (await json(await post('create_folder', { FolderName: 'F', ParentId: toObjectId(project.rootId) }, users.owner))).Data._id;
    X = await fresh('x.txt');
    const deny = await post('update_permission', { Data: [{ ActorId: toObjectId(users.denied.id), ActorType: 0, ItemId: F, AccessType: 0, Operation: 1 }] }, users.owner);
    expect(deny.status).toBe(200);
  });
  afterAll(() => k.stop());

  const cases: [string, keyof typeof MATRIX, (u: TestUser, r: Role) => Promise<Response>][] = [
    ['info', 'read', (u) => get('info', { ItemIds: JSON.stringify([X]) }, u)],
    ['children', 'read', (u) => get('children', { FolderId: F }, u)],
    ['descendants', 'read', (u) => get('descendants', { FolderId: F }, u)],
    ['ancestors', 'read', (u) => get('ancestors', { ItemId: X }, u)],
    ['download', 'read', (u) => get('download', { FileId: X }, u)],
    ['download_large_file', 'read', (u) => get('download_large_file', { FileId: X, SliceOffset: '0' }, u)],
    ['upload', 'write', (u, r) => upload(F, `up-${r}.txt`, u)],
    ['upload_large_file', 'write', (u, r) => sendSlice(k.url, { token: u.token, fileName: `big-${r}.bin`, parentId: F, tempId: randomUUID(), offset: 0, length: 10, data: bytes(10, 1) })],
    ['create_folder', 'write', (u, r) => post('create_folder', { FolderName: `dir-${r}`, ParentId: F }, u)],
    ['update_items', 'write', async (u, r) => post('update_items', { Data: { UpdateInfos: [{ _id: await fresh(`ren-${r}.txt`), Description: `by ${r}` }] } }, u)],
    ['copy_items', 'write', (u) => post('copy_items', { ItemIds: [X], DestFolderId: F }, u)],
    ['move_items', 'write', async (u, r) => post('move_items', { ItemIds: [await fresh(`mv-${r}.txt`)], DestFolderId: F }, u)],
    ['delete_items', 'write', async (u, r) => post('delete_items', { ItemIds: [await fresh(`del-${r}.txt`)] }, u)],
    ['share/add', 'write', (u) => post('share/add', { ItemIds: [X], ShareType: 1 }, u)],
    ['update_permission', 'permissions', (u) => post('update_permission', { Data: [{ ActorId: toObjectId(users.viewer.id), ActorType: 0, ItemId: X, AccessType: 7, Operation: 1 }] }, u)],
  ];

  it.each(cases)('%s answers each role as the matrix says', async (_name, kind, call) => {
    const got = {} as Record<Role, number>;
    for (const r of ROLES) got[r] = await status(await call(users[r], r));
    expect(got).toEqual(MATRIX[kind]);
  });

  it('listings show the denied member nothing of F', async () => {
    const root = (await json(await get('ancestors', { ItemId: X }, users.owner))).Data[0]._id;
    const names = (await json(await get('descendants', { FolderId: root }, users.denied))).Data.map((n: { Name: string }) => n.Name);
    expect(names).not.toContain('F');
    const search = await json(await get('children', { FolderId: root, ListParams: JSON.stringify({ Search: 'Name==F' }) }, users.denied));
    expect(search.Data).toEqual([]);
  });
});
