import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { SHARE_MISS_LIMIT } from '../../src/core/shares/service.js';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { unzip } from '../helpers/zip.js';

interface Env<T = any> { IsOk: boolean; Code: number; Message: string; Data: T } // eslint-disable-line @typescript-eslint/no-explicit-any

const PUBLIC_URL = 'https://files.example.test';
const SHARE_FIELDS = ['CreatedDate', 'DownloadTimes', 'ExtraCode', 'FileId', 'FileName', 'ProjectId', 'ShareType', 'ShareUrl', 'UserId', '_id'];

describe.each(backends)('drive shares (%s)', (backend) => {
  let k: TestKura;
  let owner: TestUser, member: TestUser, viewer: TestUser, stranger: TestUser;
  let project: { id: number; rootId: number };
  let rootOid: string;
  let pid: string;

  const get = (path: string, q: Record<string, string>, u: TestUser | null = owner) => fetch(`${k.url}/v1/file/${path}?${new URLSearchParams({ ...(u ? { UserToken: u.token } : {}), ...q })}`);
  const post = (path: string, form: Record<string, string>, u: TestUser | null = owner) =>
    fetch(`${k.url}/v1/file/${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...(u ? { UserToken: u.token } : {}), ...form }) });
  const postJson = (path: string, b: Record<string, unknown>, u: TestUser = owner) =>
    fetch(`${k.url}/v1/file/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserToken: u.token, ...b }) });
  const env = async <T = any>(res: Response, code = 200): Promise<Env<T>> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const e = await json<Env<T>>(res);
    expect(res.status, e.Message).toBe(code);
    expect(e).toMatchObject({ Code: code, IsOk: code === 200 });
    return e;
  };
  const uploadFile = async (parent: string, name: string, data: Buffer | string, u: TestUser = owner): Promise<string> => {
    const form = new FormData();
    form.append('UserToken', u.token);
    form.append('FileName', name);
    form.append('ParentId', parent);
    form.append('File', new Blob([new Uint8Array(typeof data === 'string' ? Buffer.from(data) : data)]), name);
    return (await env(await fetch(`${k.url}/v1/file/upload`, { method: 'POST', body: form }))).Data._id;
  };
  const mkdir = async (parent: string, name: string) => (await env(await post('create_folder', { FolderName: name, ParentId: parent }))).Data._id as string;
  const share = async (ids: string[], type: 1 | 2, u: TestUser = owner) => (await env(await post('share/add', { ItemIds: JSON.stringify(ids), ShareType: String(type) }, u))).Data;
  /** Follows a ShareUrl on the test server. */
  const follow = (url: string, code?: string) => fetch(url.replace(PUBLIC_URL, k.url) + (code === undefined ? '' : `&ExtraCode=${encodeURIComponent(code)}`));
  const list = async (u: TestUser = owner) => (await env(await get('share/list', { ProjectId: pid }, u))).Data as Record<string, unknown>[];
  const resetLimits = () => k.core.database.db.deleteFrom('rate_limits').execute();

  beforeAll(async () => {
    k = await startKura(backend, { PUBLIC_URL });
    [owner, member, viewer, stranger] = await Promise.all([k.user(), k.user(), k.user(), k.user()]);
    project = await k.core.spaces.create({ userId: owner.id, role: 'user' }, { kind: 'project', name: 'Apollo' });
    await k.core.spaces.setMember({ userId: owner.id, role: 'user' }, project.id, member.id, 'member');
    await k.core.spaces.setMember({ userId: owner.id, role: 'user' }, project.id, viewer.id, 'viewer');
    rootOid = toObjectId(project.rootId);
    pid = toObjectId(project.id);
  });
  afterAll(() => k.stop());

  it('adds one public share (an object with the spec fields) and downloads it byte for byte without a token', async () => {
    const data = bytes(400_000, 7);
    const file = await uploadFile(rootOid, 'report.bin', data);
    const s = await share([file], 1);
    expect(Object.keys(s).sort()).toEqual(SHARE_FIELDS);
    expect(s).toMatchObject({ FileId: file, FileName: 'report.bin', ProjectId: pid, UserId: toObjectId(owner.id), DownloadTimes: 0, ShareType: 1, ExtraCode: '' });
    expect(s._id).toMatch(/^[0-9a-f]{24}$/);
    expect(s.CreatedDate).toMatch(/^\/Date\(\d+\)\/$/);
    expect(s.ShareUrl).toBe(`${PUBLIC_URL}/v1/file/download_share_file?ShareId=${s._id}`);
    const res = await follow(s.ShareUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="report.bin"/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(sha256(await body(res))).toBe(sha256(data));
    const again = await get('share/download', { Id: s._id }, null);
    expect(sha256(await body(again))).toBe(sha256(data));
    expect((await list()).find((x) => x._id === s._id)).toMatchObject({ DownloadTimes: 2 });
    // A HEAD asks about the file without counting a download.
    expect((await fetch(`${k.url}/v1/file/share/download?Id=${s._id}`, { method: 'HEAD' })).status).toBe(200);
    expect((await list()).find((x) => x._id === s._id)).toMatchObject({ DownloadTimes: 2 });
  });

  it('adds several private shares (an array); the code is needed, and every miss looks the same', async () => {
    await resetLimits();
    const a = await uploadFile(rootOid, 'a.txt', 'alpha');
    const b = await uploadFile(rootOid, 'b.txt', 'beta');
    const shares = await share([a, b], 2);
    expect(shares).toHaveLength(2);
    expect(shares.map((s: { FileId: string }) => s.FileId)).toEqual([a, b]);
    for (const s of shares) expect(s).toMatchObject({ ShareType: 2, ExtraCode: expect.stringMatching(/^[2-9A-HJ-NP-Z]{6}$/) });
    const [sa] = shares;
    const missing = await env(await follow(sa.ShareUrl), 404);
    const wrong = await env(await follow(sa.ShareUrl, sa.ExtraCode === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'), 404);
    const unknown = await env(await get('share/download', { Id: randomBytes(12).toString('hex'), ExtraCode: sa.ExtraCode }, null), 404);
    const garbage = await env(await get('download_share_file', { ShareId: 'not-a-share' }, null), 404);
    expect(new Set([missing.Message, wrong.Message, unknown.Message, garbage.Message]).size).toBe(1);
    expect(await (await follow(sa.ShareUrl, sa.ExtraCode)).text()).toBe('alpha');
    // Codes are read case-insensitively.
    expect(await (await get('share/download', { Id: shares[1]._id, ExtraCode: shares[1].ExtraCode.toLowerCase() }, null)).text()).toBe('beta');
    await resetLimits();
  });

  it('lists what each caller may manage; rights decide who may add and delete', async () => {
    const f = await uploadFile(rootOid, 'members.txt', 'for members');
    const mine = await share([f], 1, member);
    expect(mine.UserId).toBe(toObjectId(member.id));
    // A viewer has no SHARE right; a stranger does not see the item at all.
    await env(await post('share/add', { ItemIds: JSON.stringify([f]), ShareType: '1' }, viewer), 403);
    await env(await post('share/add', { ItemIds: JSON.stringify([f]), ShareType: '1' }, stranger), 404);
    await env(await post('share/add', { ItemIds: JSON.stringify([f]), ShareType: '3' }), 400);
    await env(await post('share/add', { ItemIds: '["nope"]', ShareType: '1' }), 400);
    await env(await post('share/add', { ItemIds: JSON.stringify([f]), ShareType: '1' }, null), 401);
    // All or nothing: one forbidden item and nothing is shared.
    const before = (await list()).length;
    await env(await postJson('share/add', { ItemIds: [f, toObjectId(stranger.rootId)], ShareType: 1 }), 404);
    expect(await list()).toHaveLength(before);
    expect((await list()).map((s) => s._id)).toContain(mine._id);
    expect((await list(member)).map((s) => s._id)).toContain(mine._id);
    expect(await list(viewer)).toEqual([]);
    await env(await get('share/list', { ProjectId: pid }, stranger), 404);
    await env(await post('share/delete', { Id: mine._id }, viewer), 403);
    await env(await post('share/delete', { Id: mine._id }, stranger), 404);
    await env(await post('share/delete', { Id: mine._id }));
    expect((await list()).map((s) => s._id)).not.toContain(mine._id);
    await resetLimits();
    await env(await follow(mine.ShareUrl), 404);
    await env(await post('share/delete', { Id: mine._id }), 404);
    await resetLimits();
  });

  it('downloads a shared folder as a zip of exactly what the creator may see in it', async () => {
    const album = await mkdir(rootOid, 'album');
    const sub = await mkdir(album, 'sub');
    await mkdir(sub, 'empty');
    const big = bytes(300_000, 11);
    await uploadFile(album, 'a.txt', 'top file '.repeat(100));
    await uploadFile(sub, 'b.bin', big);
    const gone = await uploadFile(album, 'gone.txt', 'trashed');
    const hidden = await uploadFile(album, 'hidden.txt', 'not for the member');
    await uploadFile(rootOid, 'outside.txt', 'outside the folder');
    await env(await post('delete_items', { ItemIds: JSON.stringify([gone]) }));
    await env(await postJson('update_permission', { Data: [{ ActorId: toObjectId(member.id), ActorType: 0, ItemId: hidden, AccessType: 0, Operation: 1 }] }));
    const s = await share([album], 1, member);
    const res = await follow(s.ShareUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="album.zip"/);
    const entries = await unzip(await body(res));
    expect([...entries.keys()].sort()).toEqual(['album/', 'album/a.txt', 'album/sub/', 'album/sub/b.bin', 'album/sub/empty/']);
    expect(entries.get('album/a.txt')!.toString()).toBe('top file '.repeat(100));
    expect(sha256(entries.get('album/sub/b.bin')!)).toBe(sha256(big));
    // The owner's share of the same folder shows the entry hidden from the member.
    const own = await share([album], 1);
    expect([...(await unzip(await body(await follow(own.ShareUrl)))).keys()]).toContain('album/hidden.txt');
  });

  it('stops working when the item is trashed or the creator loses access; purging drops the share', async () => {
    await resetLimits();
    const f = await uploadFile(rootOid, 'temp.txt', 'temporary');
    const s = await share([f], 1);
    await env(await post('delete_items', { ItemIds: JSON.stringify([f]) }));
    await env(await follow(s.ShareUrl), 404);
    expect((await list()).map((x) => x._id)).not.toContain(s._id);
    // Restored, the item is shared again.
    await env(await post('recycle/reduction', { ItemIds: JSON.stringify([f]) }));
    expect(await (await follow(s.ShareUrl)).text()).toBe('temporary');
    await env(await post('delete_items', { ItemIds: JSON.stringify([f]) }));
    await env(await post('recycle/clear', { ProjectId: pid }));
    expect(await k.core.database.db.selectFrom('shares').selectAll().where('item_id', '=', parseInt(f, 16)).execute()).toEqual([]);
    await env(await follow(s.ShareUrl), 404);

    const g = await uploadFile(rootOid, 'member-share.txt', 'shared by a member');
    const ms = await share([g], 1, member);
    expect(await (await follow(ms.ShareUrl)).text()).toBe('shared by a member');
    await k.core.spaces.removeMember({ userId: owner.id, role: 'user' }, project.id, member.id);
    await env(await follow(ms.ShareUrl), 404);
    await k.core.spaces.setMember({ userId: owner.id, role: 'user' }, project.id, member.id, 'member');
    expect(await (await follow(ms.ShareUrl)).text()).toBe('shared by a member');
    await resetLimits();
  });
});

describe('drive share misses are rate limited (shared counter)', () => {
  it(`answers 429 after ${SHARE_MISS_LIMIT} failed downloads a minute, even for the right code`, async () => {
    const k = await startKura('sqlite');
    try {
      const u = await k.user();
      const form = new FormData();
      form.append('UserToken', u.token);
      form.append('FileName', 'secret.txt');
      form.append('ParentId', toObjectId(u.rootId));
      form.append('File', new Blob([new Uint8Array(Buffer.from('secret'))]), 'secret.txt');
      const file = (await json(await fetch(`${k.url}/v1/file/upload`, { method: 'POST', body: form }))).Data._id;
      const add = await fetch(`${k.url}/v1/file/share/add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserToken: u.token, ItemIds: [file], ShareType: 2 }) });
      const s = (await json(add)).Data;
      const dl = (code: string) => fetch(`${k.url}/v1/file/share/download?Id=${s._id}&ExtraCode=${code}`);
      const wrongCodes = ['222222', '333333', '444444', '555555', '666666', '777777', '888888', '999999', 'AAAAAA', 'BBBBBB', 'CCCCCC'].filter((c) => c !== s.ExtraCode);
      for (let i = 0; i < SHARE_MISS_LIMIT; i++) expect((await dl(wrongCodes[i])).status).toBe(404);
      const limited = await dl(s.ExtraCode);
      expect(limited.status).toBe(429);
      expect(await json(limited)).toMatchObject({ IsOk: false, Code: 429, Data: null });
      const rows = await k.core.database.db.selectFrom('rate_limits').selectAll().execute();
      expect(rows.some((r) => r.key.startsWith('share-miss:') && Number(r.count) >= SHARE_MISS_LIMIT)).toBe(true);
      // The counter lives in the database: once it is cleared, the right code works.
      await k.core.database.db.deleteFrom('rate_limits').execute();
      expect(await (await dl(s.ExtraCode)).text()).toBe('secret');
    } finally {
      await k.stop();
    }
  });
});
