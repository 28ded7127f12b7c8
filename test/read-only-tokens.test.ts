import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.js';
import { blobOf, json, upload, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';
import { mediaUpload } from './media-dialect/media.js';
import { call as onebot } from './onebot/client.js';
import { tc, uploadTo } from './tencenturies/helpers.js';

/** A read-only token reads through every face and changes nothing through any: the core refuses, each face renders. */
describe.each(backends)('read-only tokens over HTTP (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  /** The same user with a read-only token. */
  let ro: TestUser;
  let file: { id: number; sha256: string };
  let group: { id: number; rootId: number };
  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    const made = await fetch(`${k.url}/api/v1/tokens`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ label: 'viewer', readOnly: true }) });
    expect(made.status).toBe(201);
    const { token, info } = await json(made);
    expect(info).toMatchObject({ label: 'viewer', readOnly: true });
    ro = { ...u, token, auth: { authorization: `Bearer ${token}` } };
    file = await uploadOne(k.url, u.auth, u.rootId, 'kept.txt', 'kept');
    group = await k.core.spaces.create({ userId: u.id, role: 'user' }, { kind: 'group', name: 'ro-group' });
  });
  afterAll(() => k.stop());

  const api = (method: string, path: string, auth: Record<string, string>, body?: unknown) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const refused = async (res: Response, status = 403) => {
    expect(res.status).toBe(status);
    return json(res);
  };

  it('native: reads answer, writes are 403 read_only, and nothing changes', async () => {
    expect((await api('GET', `/items/${file.id}`, ro.auth)).status).toBe(200);
    expect(await (await api('GET', `/items/${file.id}/content`, ro.auth)).text()).toBe('kept');
    expect((await api('GET', `/items/${u.rootId}/children`, ro.auth)).status).toBe(200);
    expect((await refused(await upload(k.url, ro.auth, u.rootId, [{ name: 'n.txt', data: 'n' }]))).error).toMatchObject({ code: 'forbidden', details: { reason: 'read_only' } });
    await refused(await api('POST', `/items/${u.rootId}/children`, ro.auth, { name: 'd', kind: 'folder' }));
    await refused(await api('PATCH', `/items/${file.id}`, ro.auth, { name: 'other.txt' }));
    await refused(await api('DELETE', `/items/${file.id}`, ro.auth));
    await refused(await fetch(`${k.url}/api/v1/items/${file.id}/versions`, { method: 'POST', headers: ro.auth, body: 'two' }));
    await refused(await api('POST', '/uploads', ro.auth, { folderId: u.rootId, name: 'r.bin', length: 3 }));
    await refused(await api('POST', `/items/${file.id}/lock`, ro.auth, {}));
    await refused(await api('POST', '/spaces', ro.auth, { kind: 'group', name: 'nope' }));
    // No way out: a read-only caller makes no token.
    await refused(await api('POST', '/tokens', ro.auth, { label: 'escape' }));
    expect((await json(await api('GET', `/items/${u.rootId}/children`, u.auth))).items.map((i: { name: string }) => i.name)).toEqual(['kept.txt']);
    expect((await json(await api('GET', `/items/${file.id}`, u.auth))).version).toBe(1);
  });

  it('tus, drive, media, social, 10Centuries and OneBot refuse its writes in their own envelopes and serve its reads', async () => {
    const meta = `filename ${Buffer.from('t.bin').toString('base64')}`;
    const tus = await fetch(`${k.url}/api/v1/tus/`, { method: 'POST', headers: { ...ro.auth, 'tus-resumable': '1.0.0', 'upload-length': '3', 'upload-metadata': meta } });
    expect(tus.status).toBe(403);

    const drive = (path: string, form: Record<string, string>) =>
      fetch(`${k.url}/v1/file/${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ UserToken: ro.token, ...form }) });
    const rootOid = u.rootId.toString(16).padStart(24, '0');
    const folder = await drive('create_folder', { FolderName: 'x', ParentId: rootOid });
    expect(folder.status).toBe(403);
    expect(await json(folder)).toMatchObject({ IsOk: false, Code: 403 });
    const form = new FormData();
    form.append('UserToken', ro.token);
    form.append('FileName', 'd.txt');
    form.append('ParentId', rootOid);
    form.append('File', blobOf('d'), 'd.txt');
    expect((await fetch(`${k.url}/v1/file/upload`, { method: 'POST', body: form })).status).toBe(403);
    const listed = await fetch(`${k.url}/v1/file/children?${new URLSearchParams({ UserToken: ro.token, FolderId: rootOid })}`);
    expect(listed.status).toBe(200);

    const oid = file.id.toString(16).padStart(24, '0');
    expect((await mediaUpload(k.url, ro.auth, [{ name: 'm.txt', data: 'm' }])).status).toBe(403);
    expect((await fetch(`${k.url}/file/update`, { method: 'POST', headers: { ...ro.auth, 'content-type': 'application/json' }, body: JSON.stringify({ id: oid, name: 'm2.txt' }) })).status).toBe(403);
    expect(await (await fetch(`${k.url}/file/${oid}`, { headers: ro.auth })).text()).toBe('kept');

    const social = new FormData();
    social.append('file', blobOf('s'), 's.txt');
    expect((await fetch(`${k.url}/files`, { method: 'POST', headers: ro.auth, body: social })).status).toBe(403);

    const tenc = await uploadTo(k, ro, [{ name: 't.txt', data: 't' }]);
    expect(tenc.status).toBe(401);
    expect((await json(tenc)).meta).toEqual({ code: 401, text: 'You Do Not Own This File' });
    expect((await fetch(`${k.url}/files/${file.id}`, { headers: tc(ro) })).status).toBe(200);

    const made = await onebot(k, ro, 'create_group_file_folder', { group_id: group.id, name: 'Docs' });
    expect(made.body).toMatchObject({ status: 'failed', retcode: 1403 });
    expect((await onebot(k, ro, 'get_group_root_files', { group_id: group.id })).body).toMatchObject({ status: 'ok' });

    expect((await json(await api('GET', `/items/${u.rootId}/children`, u.auth))).items.map((i: { name: string }) => i.name)).toEqual(['kept.txt']);
  });

  it('lists as read-only and may revoke itself, no other token', async () => {
    const tokens = (await json(await api('GET', '/tokens', ro.auth))).tokens as { id: number; readOnly: boolean; label: string }[];
    const mine = tokens.find((t) => t.label === 'viewer')!;
    expect(mine.readOnly).toBe(true);
    const other = tokens.find((t) => t.label !== 'viewer')!;
    expect(other.readOnly).toBe(false);
    await refused(await api('DELETE', `/tokens/${other.id}`, ro.auth));
    expect((await api('DELETE', `/tokens/${mine.id}`, ro.auth)).status).toBe(204);
    expect((await api('GET', `/items/${file.id}`, ro.auth)).status).toBe(401);
  });
});
