import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

interface Env<T = any> { IsOk: boolean; Code: number; Message: string; Data: T } // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(backends)('drive dialect (%s)', (backend) => {
  let k: TestKura;
  let owner: TestUser, member: TestUser, stranger: TestUser;
  let project: { id: number; rootId: number };
  let rootOid: string;

  const get = async (path: string, q: Record<string, string>, u: TestUser | null = owner) => {
    const qs = new URLSearchParams({ ...(u ? { UserToken: u.token } : {}), ...q });
    return fetch(`${k.url}/v1/file/${path}?${qs}`);
  };
  const post = async (path: string, form: Record<string, string>, u: TestUser | null = owner) =>
    fetch(`${k.url}/v1/file/${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...(u ? { UserToken: u.token } : {}), ...form }) });
  const postJson = async (path: string, b: Record<string, unknown>, u: TestUser = owner) =>
    fetch(`${k.url}/v1/file/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserToken: u.token, ...b }) });
  const env = async <T = any>(res: Response, code = 200): Promise<Env<T>> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const e = await json<Env<T>>(res);
    expect(res.status, e.Message).toBe(code);
    expect(e.Code).toBe(code);
    expect(e.IsOk).toBe(code === 200);
    return e;
  };
  const uploadFile = async (parent: string, name: string, data: Buffer | string, u: TestUser = owner) => {
    const form = new FormData();
    form.append('UserToken', u.token);
    form.append('FileName', name);
    form.append('ParentId', parent);
    form.append('File', new Blob([new Uint8Array(typeof data === 'string' ? Buffer.from(data) : data)]), name);
    return fetch(`${k.url}/v1/file/upload`, { method: 'POST', body: form });
  };

  beforeAll(async () => {
    k = await startKura(backend, { PUBLIC_URL: 'https://files.example.test' });
    [owner, member, stranger] = await Promise.all([k.user(), k.user(), k.user()]);
    project = await k.core.spaces.create({ userId: owner.id, role: 'user' }, { kind: 'project', name: 'Apollo' });
    await k.core.spaces.setMember({ userId: owner.id, role: 'user' }, project.id, member.id, 'member');
    rootOid = toObjectId(project.rootId);
  });
  afterAll(() => k.stop());

  it('answers the project folder with the spec fields and ObjectIds', async () => {
    const e = await env(await get('project_folder', { ProjectId: toObjectId(project.id) }));
    expect(e.Data).toMatchObject({ _id: rootOid, Name: 'Apollo', IsFolder: true, ItemType: 0, ParentId: null });
    expect(e.Data.CreateDate).toMatch(/^\/Date\(\d+\)\/$/);
    expect(e.Data.Thumbnail).toMatch(/^https:\/\/files\.example\.test\/v1\/file\/thumbnail\?ExtName=folder&ThumbnailType=1$/);
    expect(e.Data.CreateUser).toMatchObject({ _id: toObjectId(owner.id), Email: `${owner.username}@example.test` });
  });

  it('uploads, updates (new version) and downloads byte for byte', async () => {
    const data = bytes(300_000, 31);
    const up = await env(await uploadFile(rootOid, 'report.bin', data));
    expect(up.Data).toMatchObject({ Name: 'report.bin', FileSize: data.length, Version: 0, IsFolder: false, ParentId: rootOid });
    const id = up.Data._id as string;
    const dl = await get('download', { FileId: id });
    expect(dl.status).toBe(200);
    expect(sha256(await body(dl))).toBe(sha256(data));
    const form = new FormData();
    form.append('UserToken', owner.token);
    form.append('Id', id);
    form.append('File', new Blob([new Uint8Array(Buffer.from('second version'))]), 'x');
    const upd = await env(await fetch(`${k.url}/v1/file/update`, { method: 'POST', body: form }));
    expect(upd.Data).toMatchObject({ _id: id, Version: 1, FileSize: 14 });
    expect(await (await get('download', { FileId: id })).text()).toBe('second version');
    const info = await env(await get('info', { ItemIds: JSON.stringify([id]) }));
    expect(info.Data[0].History.map((h: { Version: number }) => h.Version)).toEqual([1, 0]);
    // The same file is the same id number through the native API.
    const native = await fetch(`${k.url}/api/v1/items/${parseInt(id, 16)}/content`, { headers: owner.auth });
    expect(await native.text()).toBe('second version');
  });

  it('downloads slices: default 1 MiB, explicit lengths, and 416 past the end', async () => {
    const data = bytes(2_500_000, 32);
    const id = (await env(await uploadFile(rootOid, 'sliced.bin', data))).Data._id;
    const s0 = await get('download_large_file', { FileId: id, SliceOffset: '0' });
    expect(s0.status).toBe(200);
    expect((await body(s0)).equals(data.subarray(0, 1024 * 1024))).toBe(true);
    const s1 = await get('download_large_file', { FileId: id, SliceOffset: '2000000', SliceLength: '1000000' });
    expect((await body(s1)).equals(data.subarray(2_000_000))).toBe(true);
    await env(await get('download_large_file', { FileId: id, SliceOffset: '9999999' }), 416);
    await env(await get('download_large_file', { FileId: id, SliceOffset: '-1' }), 400);
    const r = await fetch(`${k.url}/v1/file/download?${new URLSearchParams({ UserToken: owner.token, FileId: id })}`, { headers: { range: 'bytes=10-19' } });
    expect(r.status).toBe(206);
    expect((await body(r)).equals(data.subarray(10, 20))).toBe(true);
  });

  it('creates folders and whole trees (all or nothing), lists children, parent, ancestors, Map', async () => {
    const f = await env(await post('create_folder', { FolderName: 'docs', ParentId: rootOid }));
    expect(f.Data).toMatchObject({ Name: 'docs', IsFolder: true });
    await env(await post('create_folder', { FolderName: 'docs', ParentId: rootOid }), 409);
    await env(await post('create_folder', { FolderName: 'a/b', ParentId: rootOid }), 400);
    const tree = await env(await postJson('create_folder_tree', { Data: { ParentId: f.Data._id, Name: 'y2026', Children: [{ Name: 'q1', Children: [{ Name: 'jan' }] }, { Name: 'q2' }] } }));
    expect(tree.Data).toMatchObject({ Name: 'y2026', Children: [{ Name: 'q1', Children: [{ Name: 'jan', Children: [] }] }, { Name: 'q2' }] });
    // Invalid anywhere: nothing is created.
    await env(await postJson('create_folder_tree', { Data: { ParentId: f.Data._id, Name: 'bad', Children: [{ Name: 'ok' }, { Name: '..' }] } }), 400);
    await env(await postJson('create_folder_tree', { Data: { ParentId: f.Data._id, Name: 'dup', Children: [{ Name: 'same' }, { Name: 'same' }] } }), 409);
    const children = await env(await get('children', { FolderId: f.Data._id }));
    expect(children.Data.map((c: { Name: string }) => c.Name)).toEqual(['y2026']);
    const jan = tree.Data.Children[0].Children[0]._id;
    const parent = await env(await get('parent', { ItemId: jan }));
    expect(parent.Data.Name).toBe('q1');
    const anc = await env(await get('ancestors', { ItemId: jan, Map: JSON.stringify(['_id', 'Name']) }));
    expect(anc.Data).toEqual([
      { _id: rootOid, Name: 'Apollo' },
      { _id: f.Data._id, Name: 'docs' },
      { _id: tree.Data._id, Name: 'y2026' },
      { _id: tree.Data.Children[0]._id, Name: 'q1' },
    ]);
    const dropped = await env(await get('children', { FolderId: tree.Data._id, ListParams: JSON.stringify({ Map: ['^Thumbnail', '^LargeThumbnail', '^CreateUser', '^ModifyUser'] }) }));
    expect(Object.keys(dropped.Data[0])).not.toContain('Thumbnail');
    expect(Object.keys(dropped.Data[0])).toContain('Name');
    const bad = await env(await get('children', { FolderId: tree.Data._id, ListParams: JSON.stringify({ Map: ['Colour'] }) }), 400);
    expect(bad.Message).toMatch(/Colour/);
    await env(await get('children', { FolderId: tree.Data._id, ListParams: '{not json' }), 400);
  });

  it('answers descendants as a tree, with ContainsFile and Map', async () => {
    const top = (await env(await post('create_folder', { FolderName: 'desc', ParentId: rootOid }))).Data._id;
    const tree = await env(await postJson('create_folder_tree', { Data: { ParentId: top, Name: 'a', Children: [{ Name: 'b' }] } }));
    const b = tree.Data.Children[0]._id;
    await env(await uploadFile(b, 'deep.txt', 'deep'));
    await env(await uploadFile(top, 'top.txt', 'top'));
    const all = await env(await get('descendants', { FolderId: top }));
    expect(all.Data.map((n: { Name: string }) => n.Name)).toEqual(['a', 'top.txt']);
    expect(all.Data[0].Children[0]).toMatchObject({ Name: 'b', IsFolder: true });
    expect(all.Data[0].Children[0].Children[0]).toMatchObject({ Name: 'deep.txt', FileSize: 4, Version: 0, Children: [] });
    const folders = await env(await get('descendants', { FolderId: top, ContainsFile: 'false' }));
    expect(folders.Data.map((n: { Name: string }) => n.Name)).toEqual(['a']);
    expect(folders.Data[0].Children[0].Children).toEqual([]);
    const mapped = await env(await get('descendants', { FolderId: top, ListParams: JSON.stringify({ Map: ['Name', 'Children'] }) }));
    expect(mapped.Data[0]).toEqual({ Name: 'a', Children: [{ Name: 'b', Children: [{ Name: 'deep.txt', Children: [] }] }] });
    await env(await get('descendants', { FolderId: top, ContainsFile: 'maybe' }), 400);
    await env(await get('descendants', { FolderId: top }, stranger), 404);
  });

  it('filters children and descendants with ListParams.Search', async () => {
    const top = (await env(await post('create_folder', { FolderName: 'search', ParentId: rootOid }))).Data._id;
    const sub = (await env(await post('create_folder', { FolderName: 'inner', ParentId: top }))).Data._id;
    await env(await uploadFile(top, 'big.pdf', 'x'.repeat(3000)));
    await env(await uploadFile(top, 'small.txt', 'x'));
    await env(await uploadFile(sub, 'deep.pdf', 'x'.repeat(10)));
    const lp = (Search: string, Map?: string[]) => JSON.stringify({ Search, ...(Map ? { Map } : {}) });
    const names = (e: { Data: { Name: string }[] }) => e.Data.map((n) => n.Name);
    expect(names(await env(await get('children', { FolderId: top, ListParams: lp('Name==*.pdf') })))).toEqual(['big.pdf']);
    expect(names(await env(await get('children', { FolderId: top, ListParams: lp('IsFolder==true,FileSize=gt=100') })))).toEqual(['inner', 'big.pdf']);
    expect(names(await env(await get('children', { FolderId: top, ListParams: lp('Version==0;ItemType==0;FileSize=lt=2') })))).toEqual(['small.txt']);
    expect(names(await env(await get('children', { FolderId: top, ListParams: lp(`CreatorId==${toObjectId(owner.id)};IsFolder==false`) })))).toEqual(['big.pdf', 'small.txt']);
    expect(names(await env(await get('children', { FolderId: top, ListParams: lp(`CreateDate=gt="/Date(${Date.now() + 60_000})/"`) })))).toEqual([]);
    // In a tree, a folder stays when it leads to a match.
    const tree = await env(await get('descendants', { FolderId: top, ListParams: lp('Name==deep*', ['Name', 'Children']) }));
    expect(tree.Data).toEqual([{ Name: 'inner', Children: [{ Name: 'deep.pdf', Children: [] }] }]);
    const bad = await env(await get('children', { FolderId: top, ListParams: lp('Colour==red') }), 400);
    expect(bad.Message).toMatch(/unknown property "Colour"/);
    expect((await env(await get('children', { FolderId: top, ListParams: lp('Name==a;(FileSize=gt=1') }), 400)).Message).toMatch(/position/);
    await env(await get('children', { FolderId: top, ListParams: lp('Version==-1') }), 400);
  });

  it('batch update, move, copy (rename on clash) and delete into the recycle bin', async () => {
    const box = (await env(await post('create_folder', { FolderName: 'box', ParentId: rootOid }))).Data._id;
    const a = (await env(await uploadFile(box, 'a.txt', 'A'))).Data._id;
    const b = (await env(await uploadFile(box, 'b.txt', 'B'))).Data._id;
    const upd = await env(await postJson('update_items', { Data: { UpdateInfos: [{ _id: a, Name: 'alpha.txt', Description: 'first', Properties: [{ colour: 'red' }] }] } }));
    expect(upd.Data).toEqual([a]);
    const info = await env(await get('info', { ItemIds: JSON.stringify([a]) }));
    expect(info.Data[0]).toMatchObject({ Name: 'alpha.txt', Description: 'first', Properties: [{ colour: 'red' }] });
    await env(await postJson('update_items', { Data: { UpdateInfos: [{ _id: a, Colour: 'x' }] } }), 400);
    const dest = (await env(await post('create_folder', { FolderName: 'dest', ParentId: rootOid }))).Data._id;
    await env(await post('copy_items', { DestFolderId: dest, ItemIds: JSON.stringify([a, b]) }));
    await env(await post('copy_items', { DestFolderId: dest, ItemIds: JSON.stringify([a]) }));
    const names = (await env(await get('children', { FolderId: dest }))).Data.map((c: { Name: string }) => c.Name);
    expect(names).toEqual(['alpha (1).txt', 'alpha.txt', 'b.txt']);
    await env(await post('move_items', { DestFolderId: box, ItemIds: JSON.stringify([box]) }), 409);
    await env(await post('move_items', { DestFolderId: dest, ItemIds: JSON.stringify([b]) }));
    expect((await env(await get('children', { FolderId: dest }))).Data.map((c: { Name: string }) => c.Name)).toContain('b (1).txt');
    const del = await env(await post('delete_items', { ItemIds: JSON.stringify([a, toObjectId(424242)]) }));
    expect(del.Data).toEqual([a]);
    expect((await env(await get('exist', { ItemId: a }))).Data).toBe(false);
    const bin = await env(await get('recycle/list', { ProjectId: toObjectId(project.id) }));
    expect(bin.Data.map((x: { _id: string }) => x._id)).toContain(a);
    expect((await env(await post('recycle/reduction', { ItemIds: JSON.stringify([a]) }))).Data).toEqual([a]);
    expect((await env(await get('exist', { ItemId: a }))).Data).toBe(true);
    await env(await post('delete_items', { ItemIds: JSON.stringify([a]) }));
    await env(await post('recycle/clear', { ProjectId: toObjectId(project.id) }));
    expect((await env(await get('recycle/list', { ProjectId: toObjectId(project.id) }))).Data).toEqual([]);
  });

  it('enforces rights: stranger 404, member writes, permission entries deny and grant', async () => {
    const folder = (await env(await post('create_folder', { FolderName: 'private', ParentId: rootOid }))).Data._id;
    const file = (await env(await uploadFile(folder, 'p.txt', 'private'))).Data._id;
    await env(await get('info', { ItemIds: JSON.stringify([file]) }, stranger), 404);
    await env(await get('download', { FileId: file }, stranger), 404);
    expect((await env(await get('exist', { ItemId: file }, stranger))).Data).toBe(false);
    await env(await get('project_folder', { ProjectId: toObjectId(project.id) }, stranger), 404);
    await env(await uploadFile(folder, 'm.txt', 'member', member));
    // Deny the member the folder with a permission entry; then grant the stranger the file.
    await env(await postJson('update_permission', { Data: [{ ActorId: toObjectId(member.id), ActorType: 0, ItemId: folder, AccessType: 0, Operation: 1 }] }));
    await env(await get('download', { FileId: file }, member), 404);
    expect((await env(await get('children', { FolderId: rootOid }, member))).Data.map((c: { _id: string }) => c._id)).not.toContain(folder);
    await env(await postJson('update_permission', { Data: [{ ActorId: toObjectId(stranger.id), ActorType: 0, ItemId: file, AccessType: 7, Operation: 1 }] }));
    expect(await (await get('download', { FileId: file }, stranger)).text()).toBe('private');
    const acl = (await env(await get('info', { ItemIds: JSON.stringify([file]) }))).Data[0].AccessInfo;
    expect(acl).toEqual([expect.objectContaining({ ActorType: 0, ActorId: toObjectId(stranger.id), AccessType: 7 })]);
    await env(await postJson('update_permission', { Data: [{ _id: acl[0]._id, Operation: 3 }] }));
    await env(await get('download', { FileId: file }, stranger), 404);
    await env(await postJson('update_permission', { Data: [{ ActorId: toObjectId(member.id), ActorType: 0, ItemId: folder, AccessType: 0, Operation: 9 }] }), 400);
    // The member may not change permissions.
    await env(await postJson('update_permission', { Data: [{ ActorId: toObjectId(member.id), ActorType: 0, ItemId: rootOid, AccessType: 2047, Operation: 1 }] }, member), 403);
  });

  it('serves file icons: real PNGs, small and large, one look per category, no token needed', async () => {
    const icon = async (ext: string, type: string) => {
      const r = await get('thumbnail', { ExtName: ext, ThumbnailType: type }, null);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/png');
      expect(r.headers.get('cache-control')).toBe('public, max-age=86400');
      return body(r);
    };
    const small = await icon('pdf', '1');
    const large = await icon('pdf', '2');
    expect(await sharp(small).metadata()).toMatchObject({ format: 'png', width: 32, height: 32 });
    expect(await sharp(large).metadata()).toMatchObject({ format: 'png', width: 128, height: 128 });
    expect(sha256(await icon('jpg', '2'))).toBe(sha256(await icon('PNG', '2')));
    expect(sha256(await icon('zip', '2'))).not.toBe(sha256(large));
    expect(sha256(await icon('folder', '2'))).not.toBe(sha256(await icon('unknownext', '2')));
    // The Thumbnail fields of items point here.
    const up = await env(await uploadFile(rootOid, 'icon-test.pdf', '%PDF-1.4 tiny'));
    const url = new URL(up.Data.LargeThumbnail);
    expect(url.pathname).toBe('/v1/file/thumbnail');
    expect(sha256(await body(await fetch(`${k.url}${url.pathname}${url.search}`)))).toBe(sha256(large));
    await env(await get('thumbnail', { ExtName: 'pdf', ThumbnailType: '3' }, null), 400);
    await env(await get('thumbnail', { ThumbnailType: '1' }, null), 400);
  });

  it('keeps favourites with tags per user; hidden and trashed items drop out', async () => {
    const a = (await env(await uploadFile(rootOid, 'fav-a.txt', 'a'))).Data._id;
    const b = (await env(await uploadFile(rootOid, 'fav-b.txt', 'b'))).Data._id;
    const added = await env(await postJson('favorite/add', { Data: [{ ItemId: a, Tags: ['work', 'urgent'] }, { ItemId: b }] }));
    expect(added.Data).toHaveLength(2);
    expect(added.Data[0]).toMatchObject({ FileId: a, FileName: 'fav-a.txt', ProjectId: toObjectId(project.id), UserId: toObjectId(owner.id), Tags: ['work', 'urgent'] });
    expect(added.Data[0].CreateTime).toMatch(/^\/Date\(\d+\)\/$/);
    // Adding again replaces the tags, no duplicate.
    await env(await postJson('favorite/add', { Data: [{ ItemId: a, Tags: ['done'] }] }));
    let list = await env(await get('favorite/list', { ProjectId: toObjectId(project.id) }));
    expect(list.Data.map((f: { FileName: string; Tags: string[] }) => [f.FileName, f.Tags])).toEqual(expect.arrayContaining([['fav-a.txt', ['done']], ['fav-b.txt', []]]));
    expect(list.Data).toHaveLength(2);
    // Another user sees none of them and cannot favourite what it cannot see.
    expect((await env(await get('favorite/list', { ProjectId: toObjectId(project.id) }, member))).Data).toEqual([]);
    await env(await postJson('favorite/add', { Data: [{ ItemId: a }] }, stranger), 404);
    await env(await postJson('favorite/add', { Data: [{ ItemId: a, Tags: 'x' }] }), 400);
    await env(await post('favorite/delete', { Id: list.Data[0]._id }, member), 404);
    // Trashed items drop out of the list; removing works.
    await env(await post('delete_items', { ItemIds: JSON.stringify([b]) }));
    list = await env(await get('favorite/list', { ProjectId: toObjectId(project.id) }));
    expect(list.Data.map((f: { FileId: string }) => f.FileId)).toEqual([a]);
    await env(await post('favorite/delete', { Id: list.Data[0]._id }));
    expect((await env(await get('favorite/list', { ProjectId: toObjectId(project.id) }))).Data).toEqual([]);
    // The native API shows the same favourites.
    await env(await postJson('favorite/add', { Data: [{ ItemId: a, Tags: ['n'] }] }));
    const native = await json(await fetch(`${k.url}/api/v1/favorites?spaceId=${project.id}`, { headers: owner.auth }));
    expect(native.favorites).toEqual([expect.objectContaining({ itemId: parseInt(a, 16), tags: ['n'] })]);
    const del = await fetch(`${k.url}/api/v1/favorites/${native.favorites[0].id}`, { method: 'DELETE', headers: owner.auth });
    expect(del.status).toBe(204);
    const add = await fetch(`${k.url}/api/v1/favorites`, { method: 'POST', headers: { ...owner.auth, 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ itemId: parseInt(a, 16), tags: ['x'] }] }) });
    expect(add.status).toBe(201);
    expect((await fetch(`${k.url}/api/v1/favorites`, { method: 'POST', headers: { ...owner.auth, 'content-type': 'application/json' }, body: JSON.stringify({ items: [] }) })).status).toBe(400);
  });

  it('answers bad input with the envelope: missing token, bad ids, bad JSON, token after the file', async () => {
    await env(await get('children', { FolderId: rootOid }, null), 401);
    await env(await get('children', { FolderId: rootOid, UserToken: 'kura_wrong' }, null), 401);
    await env(await get('children', { FolderId: 'xyz' }), 400);
    await env(await get('info', { ItemIds: '[1,2' }), 400);
    await env(await get('info', { ItemIds: '[]' }), 400);
    await env(await get('nothing-here', {}), 404);
    await env(await post('delete_items', {}), 400);
    // A file part before any token is refused without being stored.
    const form = new FormData();
    form.append('File', new Blob([new Uint8Array(Buffer.from('sneaky'))]), 'sneaky.txt');
    form.append('UserToken', owner.token);
    form.append('ParentId', rootOid);
    await env(await fetch(`${k.url}/v1/file/upload`, { method: 'POST', body: form }), 401);
    expect((await env(await get('children', { FolderId: rootOid }))).Data.map((c: { Name: string }) => c.Name)).not.toContain('sneaky.txt');
    // The Bearer header works as well as UserToken.
    const viaHeader = await fetch(`${k.url}/v1/file/children?FolderId=${rootOid}`, { headers: owner.auth });
    await env(viaHeader);
    await env(await fetch(`${k.url}/v1/file/upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 415);
  });
});
