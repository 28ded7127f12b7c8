import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { json } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

describe.each(backends)('onebot dialect: OneBot 11 HTTP transport (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let groupId: number;
  const url = (action: string, q = '') => `${k.url}/onebot/${action}${q}`;
  const answer = async (res: Response) => ({ http: res.status, body: await json(res) });

  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    groupId = (await k.core.spaces.create({ userId: u.id, role: 'user' }, { kind: 'group', name: 'T' })).id;
  });
  afterAll(() => k.stop());

  it('takes the access_token as Bearer, as CQHTTP Token, or as ?access_token=', async () => {
    const q = `?group_id=${groupId}`;
    for (const init of [{ headers: { authorization: `Bearer ${u.token}` } }, { headers: { authorization: `Token ${u.token}` } }, {}]) {
      const extra = Object.keys(init).length === 0 ? `&access_token=${u.token}` : '';
      expect(await answer(await fetch(url('get_group_file_system_info', q + extra), init))).toMatchObject({ http: 200, body: { status: 'ok', retcode: 0 } });
    }
  });

  it('401 without an access_token, 403 with a wrong or expired one', async () => {
    expect(await answer(await fetch(url('get_group_root_files', `?group_id=${groupId}`)))).toMatchObject({ http: 401, body: { status: 'failed', retcode: 1401, data: null } });
    expect(await answer(await fetch(url('get_group_root_files', `?group_id=${groupId}&access_token=kura_wrong`)))).toMatchObject({ http: 403, body: { status: 'failed', retcode: 1403 } });
    const expired = (await k.core.tokens.create(u.id, { label: 'short', expiresInMs: 1 })).token;
    await new Promise((r) => setTimeout(r, 20));
    expect((await fetch(url('get_group_root_files', `?group_id=${groupId}`), { headers: { authorization: `Bearer ${expired}` } })).status).toBe(403);
    const post = await fetch(url('get_group_root_files'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ group_id: groupId }) });
    expect(post.status).toBe(401);
  });

  it('answers an action with a trailing slash too, as OneBot implementations do', async () => {
    const auth = { authorization: `Bearer ${u.token}` };
    expect(await answer(await fetch(url('get_group_file_system_info/', `?group_id=${groupId}`), { headers: auth }))).toMatchObject({ http: 200, body: { status: 'ok', retcode: 0 } });
    const post = await fetch(url('get_group_root_files/'), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ group_id: groupId }) });
    expect(await answer(post)).toMatchObject({ http: 200, body: { status: 'ok' } });
    expect(await answer(await fetch(url('get_group_root_files_async/', `?group_id=${groupId}`), { headers: auth }))).toMatchObject({ http: 200, body: { status: 'async', retcode: 1 } });
    expect((await fetch(url('get_group_root_files/', `?group_id=${groupId}`))).status).toBe(401);
  });

  it('404 for an unknown action, with or without a token', async () => {
    expect(await answer(await fetch(url('send_group_msg'), { headers: { authorization: `Bearer ${u.token}` } }))).toMatchObject({ http: 404, body: { status: 'failed', retcode: 1404 } });
    expect((await fetch(url('no_such_action'))).status).toBe(404);
    expect((await fetch(url('get_group_root_files/extra'), { headers: { authorization: `Bearer ${u.token}` } })).status).toBe(404);
  });

  it('406 for POST bodies that are neither JSON nor a form; 400 for bodies that do not parse', async () => {
    const auth = { authorization: `Bearer ${u.token}` };
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/xml']) {
      const r = await answer(await fetch(url('get_group_root_files'), { method: 'POST', headers: { ...auth, 'content-type': type }, body: 'group_id=1' }));
      expect(r, type).toMatchObject({ http: 406, body: { status: 'failed', retcode: 1415 } });
    }
    expect((await fetch(url('get_group_root_files'), { method: 'POST', headers: auth, body: new Uint8Array([1, 2, 3]) })).status).toBe(406);
    for (const bad of ['{"group_id": ', '[1,2]', '"text"', 'null']) {
      const r = await answer(await fetch(url('get_group_root_files'), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: bad }));
      expect(r, bad).toMatchObject({ http: 400, body: { status: 'failed', retcode: 1400 } });
    }
    // JSON with a charset, a form, and an empty POST with the parameters in the query.
    const withCharset = await fetch(url('get_group_root_files'), { method: 'POST', headers: { ...auth, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ group_id: groupId }) });
    expect(await answer(withCharset)).toMatchObject({ http: 200, body: { status: 'ok' } });
    const empty = await fetch(url('get_group_root_files', `?group_id=${groupId}`), { method: 'POST', headers: auth });
    expect(await answer(empty)).toMatchObject({ http: 200, body: { status: 'ok' } });
  });

  it('other failures answer HTTP 200 with status failed; the token never reaches the answer', async () => {
    const r = await fetch(url('get_group_root_files', `?group_id=oops&access_token=${u.token}`));
    const text = await r.text();
    expect(r.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ status: 'failed', retcode: 1400, message: 'group_id must be an id (a positive whole number)' });
    expect(text).not.toContain(u.token);
  });
});

describe.each(backends)('onebot dialect: _async actions (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let groupId: number;
  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    groupId = (await k.core.spaces.create({ userId: u.id, role: 'user' }, { kind: 'group', name: 'A' })).id;
  });
  afterAll(() => k.stop());

  it('answers status async at once and does the work afterwards; the caller is still checked first', async () => {
    const body = JSON.stringify({ group_id: groupId, file: `base64://${Buffer.from('later').toString('base64')}`, name: 'later.txt', echo: 'e1' });
    const res = await fetch(`${k.url}/onebot/upload_group_file_async`, { method: 'POST', headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: 'async', retcode: 1, data: null, message: '', wording: '', echo: 'e1' });
    let names: string[] = [];
    for (let i = 0; i < 50 && !names.includes('later.txt'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const list = await json(await fetch(`${k.url}/onebot/get_group_root_files?group_id=${groupId}&access_token=${u.token}`));
      names = list.data.files.map((f: { file_name: string }) => f.file_name);
    }
    expect(names).toContain('later.txt');
    expect((await fetch(`${k.url}/onebot/upload_group_file_async`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
  });
});
