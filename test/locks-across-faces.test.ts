import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.js';
import { json, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';
import { call as onebot } from './onebot/client.js';
import { tc } from './tencenturies/helpers.js';

/** A lock taken through the native API holds in every face: the core refuses, each face renders `locked` as its spec allows. */
describe.each(backends)('locks across faces (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
  });
  afterAll(() => k.stop());

  const lock = async (id: number) => {
    const res = await fetch(`${k.url}/api/v1/items/${id}/lock`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(201);
    return json(res);
  };
  const oid = (id: number) => id.toString(16).padStart(24, '0');

  it('media 409, 10Centuries 401 "File Is Locked", drive 409, tus 423, OneBot 1423; nothing changes', async () => {
    const f = await uploadOne(k.url, u.auth, u.rootId, 'photo.txt', 'locked bytes');
    await lock(f.id);
    const media = await fetch(`${k.url}/file/update`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ id: oid(f.id), name: 'renamed.txt' }) });
    expect(media.status).toBe(409);
    expect((await json(media)).error).toMatchObject({ code: 'locked' });
    const tenc = await fetch(`${k.url}/files/${f.id}`, { method: 'DELETE', headers: tc(u) });
    expect(tenc.status).toBe(401);
    expect((await json(tenc)).meta).toEqual({ code: 401, text: 'File Is Locked' });

    const dir = (await json(await fetch(`${k.url}/api/v1/items/${u.rootId}/children`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'locked-dir', kind: 'folder' }) }))).items[0];
    await lock(dir.id);
    const drive = await fetch(`${k.url}/v1/file/create_folder`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ UserToken: u.token, FolderName: 'inner', ParentId: oid(dir.id) }) });
    expect(drive.status).toBe(409);
    expect(await json(drive)).toMatchObject({ IsOk: false, Code: 409 });
    const meta = `parent ${Buffer.from(String(dir.id)).toString('base64')},filename ${Buffer.from('t.bin').toString('base64')}`;
    const tus = await fetch(`${k.url}/api/v1/tus/`, { method: 'POST', headers: { ...u.auth, 'tus-resumable': '1.0.0', 'upload-length': '3', 'upload-metadata': meta } });
    expect(tus.status).toBe(423);

    const group = await k.core.spaces.create({ userId: u.id, role: 'user' }, { kind: 'group', name: 'locked-group' });
    await lock(group.rootId);
    expect((await onebot(k, u, 'create_group_file_folder', { group_id: group.id, name: 'Docs' })).body).toMatchObject({ status: 'failed', retcode: 1423 });

    expect((await json(await fetch(`${k.url}/api/v1/items/${f.id}`, { headers: u.auth }))).name).toBe('photo.txt');
    expect((await json(await fetch(`${k.url}/api/v1/items/${dir.id}/children`, { headers: u.auth }))).items).toEqual([]);
  });
});
