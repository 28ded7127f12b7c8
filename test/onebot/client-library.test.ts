import { OneBotBot } from '@satorijs/adapter-onebot';
import { Context } from '@satorijs/satori';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { sha256 } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { onServer } from './client.js';

// A real OneBot 11 client: the Satori (Koishi) OneBot adapter in HTTP mode, unchanged. It
// posts JSON to <endpoint>/<action> with `Authorization: Token <access_token>` and throws on
// a non-zero retcode.
describe.each(backends)('onebot dialect driven by @satorijs/adapter-onebot (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser, friend: TestUser;
  let gid: number;
  let ctx: Context;
  let bot: OneBotBot;

  beforeAll(async () => {
    k = await startKura(backend);
    [u, friend] = await Promise.all([k.user(), k.user()]);
    gid = (await k.core.spaces.create({ userId: u.id, role: 'user' }, { kind: 'group', name: 'Satori' })).id;
    ctx = new Context({ request: {} });
    ctx.plugin(OneBotBot, { selfId: String(u.id), protocol: 'http', endpoint: `${k.url}/onebot`, token: u.token });
    await ctx.start();
    bot = ctx.bots[0] as unknown as OneBotBot;
  });
  afterAll(async () => {
    await ctx?.stop();
    await k.stop();
  });

  it('uploads, lists, links, makes and deletes folders and files through the library', async () => {
    const data = Buffer.from('sent by a real OneBot client');
    await bot.internal.uploadGroupFile(gid, `base64://${data.toString('base64')}`, 'satori.txt');
    await bot.internal.createGroupFileFolder(gid, '/', 'From Satori');
    const root = await bot.internal.getGroupRootFiles(gid);
    expect(root.files.map((f) => f.file_name)).toEqual(['satori.txt']);
    expect(root.folders.map((f) => f.folder_name)).toEqual(['From Satori']);
    const file = root.files[0];
    expect(file).toMatchObject({ group_id: gid, busid: 102, file_size: data.length, uploader: u.id });
    const folderId = root.folders[0].folder_id;
    await bot.internal.uploadGroupFile(gid, `base64://${Buffer.from('inside').toString('base64')}`, 'inside.txt', folderId);
    expect((await bot.internal.getGroupFilesByFolder(gid, folderId)).files.map((f) => f.file_name)).toEqual(['inside.txt']);
    const url = await bot.internal.getGroupFileUrl(gid, file.file_id, file.busid);
    expect(sha256(Buffer.from(await (await fetch(onServer(k, url))).arrayBuffer()))).toBe(sha256(data));
    expect(await bot.internal.getGroupFileSystemInfo(gid)).toMatchObject({ file_count: 2, used_space: data.length + 6 });
    await bot.internal.uploadPrivateFile(friend.id, `base64://${Buffer.from('hi').toString('base64')}`, 'hi.txt');
    await bot.internal.deleteGroupFile(gid, '/', file.file_id, file.busid);
    await bot.internal.deleteGroupFolder(gid, folderId);
    expect(await bot.internal.getGroupRootFiles(gid)).toEqual({ files: [], folders: [] });
  });

  it('surfaces OneBot failures as the library reports them (retcode)', async () => {
    await expect(bot.internal.getGroupRootFiles(1)).rejects.toMatchObject({ code: 1404 });
    await expect(bot.internal.createGroupFileFolder(gid, '/', 'a/b')).rejects.toMatchObject({ code: 1400 });
  });
});
