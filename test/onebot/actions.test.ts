import { createHmac } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { startKura, testClock, type TestKura, type TestUser } from '../helpers/kura.js';
import { b64, call, fails, ok, onServer } from './client.js';

const SECRET = 'onebot-test-link-secret-0123456789abcdef';

describe.each(backends)('onebot dialect: actions (%s)', (backend) => {
  const clock = testClock();
  let k: TestKura;
  let owner: TestUser, member: TestUser, viewer: TestUser, stranger: TestUser, admin: TestUser;
  let group: { id: number; rootId: number };
  let other: { id: number; rootId: number };
  const as = (u: TestUser) => ({ userId: u.id, role: 'user' as const });

  beforeAll(async () => {
    k = await startKura(backend, { KURA_LINK_SECRET: SECRET, KURA_BASE64_UPLOAD_MAX_BYTES: '2MiB' }, { clock });
    [owner, member, viewer, stranger] = await Promise.all([k.user(), k.user(), k.user(), k.user()]);
    admin = await k.user(undefined, { admin: true });
    group = await k.core.spaces.create(as(owner), { kind: 'group', name: 'Group One' });
    other = await k.core.spaces.create(as(stranger), { kind: 'group', name: 'Group Two' });
    await k.core.spaces.setMember(as(owner), group.id, member.id, 'member');
    await k.core.spaces.setMember(as(owner), group.id, viewer.id, 'viewer');
  });
  afterAll(() => k.stop());

  const upload = async (name: string, data: Buffer | string, extra: Record<string, unknown> = {}, u = member) =>
    (await ok<{ file_id: string }>(k, u, 'upload_group_file', { group_id: group.id, file: b64(data), name, ...extra })).file_id;

  it('answers the file system info with the quota, unlimited as the largest values', async () => {
    const info = await ok(k, member, 'get_group_file_system_info', { group_id: group.id });
    expect(info).toEqual({ file_count: expect.any(Number), limit_count: 2 ** 31 - 1, used_space: expect.any(Number), total_space: Number.MAX_SAFE_INTEGER });
    const q = await k.core.spaces.create(as(owner), { kind: 'group', name: 'Quota' });
    await k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, q.id, { bytes: 10_240, files: 100 });
    await ok(k, owner, 'upload_group_file', { group_id: q.id, file: b64('x'.repeat(1024)), name: 'a.txt' });
    expect(await ok(k, owner, 'get_group_file_system_info', { group_id: q.id })).toEqual({ file_count: 1, limit_count: 100, used_space: 1024, total_space: 10_240 });
    // The same answer by GET with a query and by POST with a form (numbers as text).
    expect(await ok(k, owner, 'get_group_file_system_info', { group_id: q.id }, 'get')).toMatchObject({ file_count: 1 });
    expect(await ok(k, owner, 'get_group_file_system_info', { group_id: String(q.id) }, 'form')).toMatchObject({ limit_count: 100 });
  });

  it('uploads, lists File and Folder objects with the spec types, and reads by folder_id or folder', async () => {
    const folder = await ok(k, member, 'create_group_file_folder', { group_id: group.id, name: 'Docs' });
    expect(folder).toMatchObject({ folder_id: expect.stringMatching(/^\d+$/), folder_name: 'Docs', msg: 'ok', result: { retCode: 0 }, groupItem: { peerId: String(group.id), type: 0, folderInfo: { folderName: 'Docs' } } });
    const fid = folder.folder_id as string;
    const data = bytes(5000, 3);
    const before = Math.floor(Date.now() / 1000);
    const fileId = await upload('report.bin', data, { folder: fid });
    await upload('a.txt', 'a', { folder_id: fid });
    await upload('b.txt', 'b', { folder_id: fid });
    const root = await ok(k, member, 'get_group_root_files', { group_id: group.id });
    expect(root.files.map((f: { file_name: string }) => f.file_name)).not.toContain('report.bin');
    const docs = root.folders.find((f: { folder_name: string }) => f.folder_name === 'Docs');
    expect(docs).toEqual({ group_id: group.id, folder_id: fid, folder_name: 'Docs', create_time: expect.any(Number), creator: member.id, creator_name: `Real ${member.username}`, total_file_count: 3 });
    const inside = await ok(k, member, 'get_group_files_by_folder', { group_id: group.id, folder_id: fid });
    const file = inside.files.find((f: { file_id: string }) => f.file_id === fileId);
    expect(file).toEqual({
      group_id: group.id,
      file_id: fileId,
      file_name: 'report.bin',
      busid: 102,
      file_size: 5000,
      upload_time: expect.any(Number),
      dead_time: 0,
      modify_time: expect.any(Number),
      download_times: 0,
      uploader: member.id,
      uploader_name: `Real ${member.username}`,
    });
    expect(file.upload_time).toBeGreaterThanOrEqual(before);
    expect(inside.folders).toEqual([]);
    // NapCat's `folder` and `file_count`.
    const two = await ok(k, member, 'get_group_files_by_folder', { group_id: group.id, folder: fid, file_count: 2 });
    expect(two.files.map((f: { file_name: string }) => f.file_name)).toEqual(['a.txt', 'b.txt']);
    expect((await ok(k, member, 'get_group_files_by_folder', { group_id: group.id, folder_id: '/' })).folders.length).toBeGreaterThan(0);
    // The same bytes through the native API (one id everywhere).
    const native = await fetch(`${k.url}/api/v1/items/${fileId}/content`, { headers: member.auth });
    expect(sha256(await body(native))).toBe(sha256(data));
  });

  it('names clash: uploads rename, folders refuse (1409); folders nest under parent_id; NapCat folder_name', async () => {
    const first = await upload('same.txt', 'one');
    const second = await upload('same.txt', 'two');
    expect(second).not.toBe(first);
    const names = (await ok(k, member, 'get_group_root_files', { group_id: group.id })).files.map((f: { file_name: string }) => f.file_name);
    expect(names).toEqual(expect.arrayContaining(['same.txt', 'same (1).txt']));
    await ok(k, member, 'create_group_file_folder', { group_id: group.id, folder_name: 'NapCat' });
    expect((await fails(k, member, 'create_group_file_folder', { group_id: group.id, name: 'NapCat' })).retcode).toBe(1409);
    const parent = (await ok(k, member, 'create_group_file_folder', { group_id: group.id, name: 'Parent' })).folder_id;
    const child = await ok(k, member, 'create_group_file_folder', { group_id: group.id, name: 'Child', parent_id: parent });
    expect(child.groupItem.folderInfo.parentFolderId).toBe(parent);
    expect((await fails(k, member, 'create_group_file_folder', { group_id: group.id })).retcode).toBe(1400);
    expect((await fails(k, member, 'create_group_file_folder', { group_id: group.id, name: 'a/b' })).retcode).toBe(1400);
    expect((await fails(k, member, 'create_group_file_folder', { group_id: group.id, name: '..' })).retcode).toBe(1400);
  });

  it('get_group_file_url: a signed link that needs no token, counts downloads, and refuses tampering and expiry', async () => {
    const data = bytes(100_000, 9);
    const fileId = await upload('link.bin', data);
    const { url } = await ok(k, member, 'get_group_file_url', { group_id: group.id, file_id: fileId, busid: 102 });
    expect(url).toMatch(new RegExp(`/onebot/download/${fileId}\\?user=${member.id}&expires=\\d+&signature=[A-Za-z0-9_-]{43}$`));
    const res = await fetch(onServer(k, url));
    expect(res.status).toBe(200);
    expect(sha256(await body(res))).toBe(sha256(data));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // A ranged read of the rest does not count again; HEAD does not count.
    expect((await fetch(onServer(k, url), { headers: { range: 'bytes=50000-' } })).status).toBe(206);
    expect((await fetch(onServer(k, url), { method: 'HEAD' })).status).toBe(200);
    await fetch(onServer(k, url)).then((r) => r.arrayBuffer());
    const listed = (await ok(k, member, 'get_group_root_files', { group_id: group.id })).files.find((f: { file_id: string }) => f.file_id === fileId);
    expect(listed.download_times).toBe(2);
    const u = new URL(onServer(k, url));
    const tampered = new URL(u);
    tampered.searchParams.set('signature', `${u.searchParams.get('signature')!.slice(0, -2)}AA`);
    const t = await fetch(tampered);
    expect(t.status).toBe(403);
    expect(await json(t)).toMatchObject({ status: 'failed', retcode: 1403 });
    const otherFile = new URL(u);
    otherFile.pathname = `/onebot/download/${Number(fileId) + 1}`;
    expect((await fetch(otherFile)).status).toBe(403);
    const longer = new URL(u);
    longer.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600));
    expect((await fetch(longer)).status).toBe(403);
    // An expired link, signed correctly (the test knows the configured secret).
    const past = Math.floor(Date.now() / 1000) - 10;
    const sig = createHmac('sha256', SECRET).update(`kura-link:v1:${fileId}:${member.id}:${past}`).digest('base64url');
    const expired = await fetch(`${k.url}/onebot/download/${fileId}?user=${member.id}&expires=${past}&signature=${sig}`);
    expect(expired.status).toBe(403);
    expect((await json(expired)).message).toMatch(/expired/);
    expect((await fetch(`${k.url}/onebot/download/${fileId}`)).status).toBe(400);
    // The link acts with the signer's rights now: a member who leaves loses it.
    const leaver = await k.user();
    await k.core.spaces.setMember(as(owner), group.id, leaver.id, 'member');
    const mine = (await ok(k, leaver, 'get_group_file_url', { group_id: group.id, file_id: fileId })).url;
    expect((await fetch(onServer(k, mine))).status).toBe(200);
    await k.core.spaces.removeMember(as(owner), group.id, leaver.id);
    expect((await fetch(onServer(k, mine))).status).toBe(404);
  });

  it('deletes files and folders for good, freeing the group quota (Lagrange delete_group_file_folder too)', async () => {
    const q = await k.core.spaces.create(as(owner), { kind: 'group', name: 'Deletes' });
    const id = (await ok(k, owner, 'upload_group_file', { group_id: q.id, file: b64('12345'), name: 'gone.txt' })).file_id;
    expect((await ok(k, owner, 'get_group_file_system_info', { group_id: q.id })).used_space).toBe(5);
    const url = (await ok(k, owner, 'get_group_file_url', { group_id: q.id, file_id: id })).url;
    const del = await ok(k, owner, 'delete_group_file', { group_id: q.id, file_id: id, busid: 102 });
    expect(del).toMatchObject({ msg: 'ok', result: 0, transGroupFileResult: { successFileIdList: [id], failFileIdList: [] } });
    expect(await ok(k, owner, 'get_group_file_system_info', { group_id: q.id })).toMatchObject({ used_space: 0, file_count: 0 });
    expect((await fails(k, owner, 'delete_group_file', { group_id: q.id, file_id: id })).retcode).toBe(1404);
    expect((await fetch(onServer(k, url))).status).toBe(404);
    for (const name of ['delete_group_folder', 'delete_group_file_folder']) {
      const f = (await ok(k, owner, 'create_group_file_folder', { group_id: q.id, name: `F-${name}` })).folder_id;
      await ok(k, owner, 'upload_group_file', { group_id: q.id, file: b64('abc'), name: 'in.txt', folder: f });
      expect(await ok(k, owner, name, { group_id: q.id, folder_id: f })).toMatchObject({ msg: 'ok', retCode: 0 });
      expect((await fails(k, owner, 'get_group_files_by_folder', { group_id: q.id, folder_id: f })).retcode).toBe(1404);
    }
    expect(await ok(k, owner, 'get_group_file_system_info', { group_id: q.id })).toMatchObject({ used_space: 0, file_count: 0 });
    expect((await fails(k, owner, 'delete_group_folder', { group_id: q.id, folder_id: '/' })).retcode).toBe(1400);
    expect((await fails(k, owner, 'delete_group_folder', { group_id: q.id })).retcode).toBe(1400);
    // The trash holds nothing: deleted for good.
    expect(await k.core.trash.list(as(owner), q.id)).toEqual([]);
  });

  it('moves files between folders of the group and renames folders', async () => {
    const f = (await ok(k, member, 'create_group_file_folder', { group_id: group.id, name: 'Target' })).folder_id;
    const id = await upload('mover.txt', 'move me');
    expect(await ok(k, member, 'move_group_file', { group_id: group.id, file_id: id, folder_id: f })).toEqual({ success: true });
    expect((await ok(k, member, 'get_group_files_by_folder', { group_id: group.id, folder_id: f })).files.map((x: { file_id: string }) => x.file_id)).toContain(id);
    // NapCat's target_parent_directory, back to the root.
    expect(await ok(k, member, 'move_group_file', { group_id: group.id, file_id: id, target_parent_directory: '/' })).toEqual({ success: true });
    expect((await ok(k, member, 'get_group_root_files', { group_id: group.id })).files.map((x: { file_id: string }) => x.file_id)).toContain(id);
    // Not into another group's folder, not without a destination.
    expect((await fails(k, member, 'move_group_file', { group_id: group.id, file_id: id, folder_id: String(other.rootId) })).retcode).toBe(1404);
    expect((await fails(k, member, 'move_group_file', { group_id: group.id, file_id: id })).retcode).toBe(1400);
    expect(await ok(k, member, 'rename_group_file_folder', { group_id: group.id, folder_id: f, new_name: 'Renamed' })).toEqual({ success: true });
    expect((await ok(k, member, 'get_group_root_files', { group_id: group.id })).folders.map((x: { folder_name: string }) => x.folder_name)).toContain('Renamed');
    await ok(k, member, 'create_group_file_folder', { group_id: group.id, name: 'Taken' });
    expect((await fails(k, member, 'rename_group_file_folder', { group_id: group.id, folder_id: f, new_name: 'Taken' })).retcode).toBe(1409);
    expect((await fails(k, member, 'rename_group_file_folder', { group_id: group.id, folder_id: f, new_name: 'x\\y' })).retcode).toBe(1400);
    expect((await fails(k, member, 'rename_group_file_folder', { group_id: group.id, folder_id: f })).retcode).toBe(1400);
    expect((await fails(k, member, 'rename_group_file_folder', { group_id: group.id, folder_id: id, new_name: 'file-is-no-folder' })).retcode).toBe(1404);
  });

  it('private files: upload_private_file answers file_id; sender and recipient get URLs (NapCat: file_id only), others not', async () => {
    const data = bytes(20_000, 5);
    const { file_id } = await ok(k, owner, 'upload_private_file', { user_id: stranger.id, file: b64(data), name: 'for-you.bin' });
    expect(file_id).toMatch(/^\d+$/);
    const forRecipient = (await ok(k, stranger, 'get_private_file_url', { file_id })).url;
    expect(sha256(await body(await fetch(onServer(k, forRecipient))))).toBe(sha256(data));
    expect((await ok(k, owner, 'get_private_file_url', { user_id: stranger.id, file_id, busid: 102 })).url).toMatch(/signature=/);
    // Lagrange's file_hash: the content's SHA-256.
    expect((await ok(k, stranger, 'get_private_file_url', { user_id: owner.id, file_id, file_hash: sha256(data) })).url).toMatch(/signature=/);
    expect((await fails(k, stranger, 'get_private_file_url', { user_id: owner.id, file_id, file_hash: 'a'.repeat(64) })).retcode).toBe(1404);
    expect((await fails(k, member, 'get_private_file_url', { file_id })).retcode).toBe(1404);
    // A second file to the same recipient goes to the same folder; the sender's quota pays.
    await ok(k, owner, 'upload_private_file', { user_id: stranger.id, file: b64('more'), name: 'for-you.bin' });
    const personal = await k.core.spaces.get(as(owner), owner.spaceId);
    expect(personal.usage.files).toBeGreaterThanOrEqual(2);
    expect((await fails(k, owner, 'upload_private_file', { user_id: 123456789, file: b64('x'), name: 'x' })).retcode).toBe(1404);
    expect((await fails(k, owner, 'upload_private_file', { user_id: 'someone', file: b64('x'), name: 'x' })).retcode).toBe(1400);
    expect((await fails(k, owner, 'get_private_file_url', { file_id: 'abc' })).retcode).toBe(1400);
    expect((await fails(k, owner, 'get_private_file_url', {})).retcode).toBe(1400);
  });

  it('upload_image keeps images and refuses anything else, leaving nothing behind', async () => {
    const png = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#3366cc' } }).png().toBuffer();
    const img = await ok(k, member, 'upload_image', { file: b64(png), name: 'pic.png' });
    expect(img.file).toBe('pic.png');
    const got = await fetch(onServer(k, img.url));
    expect(got.headers.get('content-type')).toMatch(/^image\/png/);
    expect(sha256(await body(got))).toBe(sha256(png));
    const before = (await k.core.spaces.get(as(member), member.spaceId)).usage;
    const r = await fails(k, member, 'upload_image', { file: b64('just text, not a picture'), name: 'fake.png' });
    expect(r.retcode).toBe(1415);
    expect((await k.core.spaces.get(as(member), member.spaceId)).usage).toEqual(before);
  });

  it('quotas: limit_count and total_space refuse uploads (1507) and keep what was there', async () => {
    const q = await k.core.spaces.create(as(owner), { kind: 'group', name: 'Small' });
    await k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, q.id, { bytes: 100, files: 2 });
    await ok(k, owner, 'upload_group_file', { group_id: q.id, file: b64('a'.repeat(10)), name: 'one' });
    expect((await fails(k, owner, 'upload_group_file', { group_id: q.id, file: b64('b'.repeat(200)), name: 'big' })).retcode).toBe(1507);
    await ok(k, owner, 'upload_group_file', { group_id: q.id, file: b64('c'), name: 'two' });
    expect((await fails(k, owner, 'upload_group_file', { group_id: q.id, file: b64('d'), name: 'three' })).retcode).toBe(1507);
    expect(await ok(k, owner, 'get_group_file_system_info', { group_id: q.id })).toEqual({ file_count: 2, limit_count: 2, used_space: 11, total_space: 100 });
    expect((await ok(k, owner, 'get_group_root_files', { group_id: q.id })).files.map((f: { file_name: string }) => f.file_name)).toEqual(['one', 'two']);
  });

  it('rights: strangers see no group, viewers cannot change it, ids of other groups and spaces are unknown', async () => {
    const id = await upload('private-to-group.txt', 'secret');
    expect((await fails(k, stranger, 'get_group_root_files', { group_id: group.id })).retcode).toBe(1404);
    expect((await fails(k, stranger, 'get_group_file_url', { group_id: group.id, file_id: id })).retcode).toBe(1404);
    // Someone else's file through one's own group.
    expect((await fails(k, stranger, 'get_group_file_url', { group_id: other.id, file_id: id })).retcode).toBe(1404);
    expect((await fails(k, stranger, 'delete_group_file', { group_id: other.id, file_id: id })).retcode).toBe(1404);
    expect((await fails(k, stranger, 'move_group_file', { group_id: other.id, file_id: id, folder_id: '/' })).retcode).toBe(1404);
    expect((await ok(k, viewer, 'get_group_root_files', { group_id: group.id })).files.length).toBeGreaterThan(0);
    expect((await fails(k, viewer, 'upload_group_file', { group_id: group.id, file: b64('v'), name: 'v.txt' })).retcode).toBe(1403);
    expect((await fails(k, viewer, 'delete_group_file', { group_id: group.id, file_id: id })).retcode).toBe(1403);
    expect((await fails(k, viewer, 'create_group_file_folder', { group_id: group.id, name: 'nope' })).retcode).toBe(1403);
    // A personal space is not a group.
    expect((await fails(k, member, 'get_group_root_files', { group_id: member.spaceId })).retcode).toBe(1404);
    expect((await fails(k, member, 'get_group_root_files', { group_id: 987654321 })).retcode).toBe(1404);
    // A Kura admin sees every group.
    expect((await ok(k, admin, 'get_group_root_files', { group_id: group.id })).files.length).toBeGreaterThan(0);
  });

  it('bad input: wrong types, missing fields, bad sources and names answer 1400 or 1413 and store nothing', async () => {
    const before = (await ok(k, member, 'get_group_file_system_info', { group_id: group.id })).file_count;
    const cases: [Record<string, unknown>, number][] = [
      [{ group_id: 'abc', file: b64('x'), name: 'x' }, 1400],
      [{ group_id: -5, file: b64('x'), name: 'x' }, 1400],
      [{ group_id: 1.5, file: b64('x'), name: 'x' }, 1400],
      [{ file: b64('x'), name: 'x' }, 1400],
      [{ group_id: group.id, name: 'x' }, 1400],
      [{ group_id: group.id, file: 42, name: 'x' }, 1400],
      [{ group_id: group.id, file: 'ftp://example.com/x', name: 'x' }, 1400],
      [{ group_id: group.id, file: 'base64://@@@not-base64@@@', name: 'x' }, 1400],
      [{ group_id: group.id, file: b64('x'), name: 'a/b' }, 1400],
      [{ group_id: group.id, file: b64('x'), name: 'x', folder: 'not-an-id' }, 1400],
      [{ group_id: group.id, file: b64('x'), name: 'x', folder: '123456' }, 1404],
      [{ group_id: group.id, file: b64('x'), name: 'x', dead_time: 1000 }, 1400],
      [{ group_id: group.id, file: b64('x'), name: 'x', dead_time: 'soon' }, 1400],
      // Past the body limit, and (just) past the decoded limit.
      [{ group_id: group.id, file: b64('x'.repeat(3 * 1024 * 1024)), name: 'too-big' }, 1413],
      [{ group_id: group.id, file: b64('x'.repeat(2 * 1024 * 1024 + 3)), name: 'too-big' }, 1413],
    ];
    for (const [params, code] of cases) expect((await fails(k, member, 'upload_group_file', params)).retcode, JSON.stringify(params).slice(0, 80)).toBe(code);
    expect((await fails(k, member, 'get_group_file_url', { group_id: group.id })).retcode).toBe(1400);
    expect((await fails(k, member, 'get_group_file_url', { group_id: group.id, file_id: 'x1' })).retcode).toBe(1400);
    expect((await fails(k, member, 'get_group_file_url', { group_id: group.id, file_id: '999999999' })).retcode).toBe(1404);
    expect((await fails(k, member, 'get_group_files_by_folder', { group_id: group.id, folder_id: '/', file_count: -1 })).retcode).toBe(1400);
    expect((await fails(k, member, 'get_group_root_files', { group_id: group.id, file_count: 'many' })).retcode).toBe(1400);
    expect((await ok(k, member, 'get_group_file_system_info', { group_id: group.id })).file_count).toBe(before);
  });

  it('dead_time: a file with a future expiry shows it, then disappears from listings and links once it passes', async () => {
    const at = Math.floor(Date.now() / 1000) + 6;
    const id = await upload('short-lived.txt', 'bye', { dead_time: at });
    const listed = (await ok(k, member, 'get_group_root_files', { group_id: group.id })).files.find((f: { file_id: string }) => f.file_id === id);
    expect(listed.dead_time).toBe(at);
    const url = (await ok(k, member, 'get_group_file_url', { group_id: group.id, file_id: id })).url;
    expect((await fetch(onServer(k, url))).status).toBe(200);
    clock.advance((at + 1) * 1000 - clock.now());
    expect((await ok(k, member, 'get_group_root_files', { group_id: group.id })).files.map((f: { file_id: string }) => f.file_id)).not.toContain(id);
    expect((await fails(k, member, 'get_group_file_url', { group_id: group.id, file_id: id })).retcode).toBe(1404);
    expect((await fetch(onServer(k, url))).status).toBe(404);
  });

  it('links verify on every node: the signing key is shared through the database when none is configured', async () => {
    const k2 = await startKura(backend);
    try {
      const u = await k2.user();
      const g = await k2.core.spaces.create(as(u), { kind: 'group', name: 'Nodes' });
      const id = (await ok(k2, u, 'upload_group_file', { group_id: g.id, file: b64('shared key'), name: 'k.txt' })).file_id;
      const url = (await ok(k2, u, 'get_group_file_url', { group_id: g.id, file_id: id })).url;
      // A second node on the same database and data directory.
      const node2 = await startServer({ ...k2.config }, { logger: false });
      try {
        const path = new URL(url);
        const res = await fetch(`${node2.url}${path.pathname}${path.search}`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('shared key');
      } finally {
        await node2.stop();
      }
    } finally {
      await k2.stop();
    }
  });

  it('echo comes back as sent; failures carry message and wording', async () => {
    const r = await call(k, member, 'get_group_file_system_info', { group_id: group.id, echo: { seq: 7, tag: 'x' } });
    expect(r.body).toMatchObject({ status: 'ok', retcode: 0, message: '', wording: '', echo: { seq: 7, tag: 'x' } });
    const g = await call(k, member, 'get_group_file_system_info', { group_id: group.id, echo: 'abc' }, 'get');
    expect(g.body.echo).toBe('abc');
    const f = await call(k, member, 'get_group_root_files', { group_id: 1, echo: 9 });
    expect(f).toMatchObject({ http: 200, body: { status: 'failed', retcode: 1404, data: null, message: 'group not found', wording: 'group not found', echo: 9 } });
    expect((await call(k, member, 'get_group_file_system_info', { group_id: group.id })).body.echo).toBeNull();
  });
});
