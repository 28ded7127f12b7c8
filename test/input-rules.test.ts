import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../src/http/shared/ids.js';
import { backends } from './helpers/backends.js';
import { blobOf, json, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';

const NUL = '\u0000';
const q = encodeURIComponent;
const BIG = '1'.repeat(23);

interface Case {
  /** What a client sends, as the issue names it. */
  what: string;
  method: string;
  path: string;
  body?: unknown;
  /** The field the 400 names (REST answers only: drive and media envelopes have a message). */
  field?: string;
  /** No Authorization header (public or credential-bearing requests). */
  anonymous?: boolean;
}

/**
 * Issue 20, item 10: text with NUL and numbers no column holds were 500 on PostgreSQL (4xx
 * on SQLite). Every endpoint found answers 400 on both, and nothing changes.
 */
describe.each(backends)('input the databases cannot hold (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let file: { id: number; name: string };
  const send = (c: Case) =>
    fetch(`${k.url}${c.path}`, {
      method: c.method,
      headers: { ...(c.anonymous ? {} : u.auth), ...(c.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: c.body === undefined ? undefined : JSON.stringify(c.body),
    });

  beforeAll(async () => {
    k = await startKura(backend, { KURA_OPEN_REGISTRATION: 'true' });
    u = await k.user();
    file = await uploadOne(k.url, u.auth, u.rootId, 'kept.txt', 'kept as it was');
  });
  afterAll(() => k.stop());

  const cases = (): Case[] => {
    const drive = (path: string, search: string): Case => ({
      what: `drive Search ${search}`,
      method: 'GET',
      path: `/v1/file/${path}?UserToken=${u.token}&FolderId=${toObjectId(u.rootId)}&ListParams=${q(JSON.stringify({ Search: search }))}`,
      anonymous: true,
    });
    const children = (filter: string, field = 'q'): Case => ({ what: `native q ${filter}`, method: 'GET', path: `/api/v1/items/${u.rootId}/children?q=${q(filter)}`, field });
    return [
      // Text holding NUL.
      { what: 'login username', method: 'POST', path: '/api/v1/auth/login', body: { username: `a${NUL}b`, password: 'a long enough password' }, field: 'username', anonymous: true },
      { what: 'register username', method: 'POST', path: '/api/v1/auth/register', body: { username: `a${NUL}b`, password: 'a long enough password' }, field: 'username', anonymous: true },
      { what: 'token label', method: 'POST', path: '/api/v1/tokens', body: { label: `a${NUL}b` }, field: 'label' },
      { what: 'description', method: 'PATCH', path: `/api/v1/items/${file.id}`, body: { description: `a${NUL}b` }, field: 'description' },
      { what: 'custom tag', method: 'PATCH', path: `/api/v1/items/${file.id}`, body: { customTag: `a${NUL}b` }, field: 'customTag' },
      { what: 'a property key', method: 'PATCH', path: `/api/v1/items/${file.id}`, body: { properties: { [`k${NUL}`]: 'v' } }, field: `properties.k${NUL}` },
      {
        what: 'drive update_items',
        method: 'POST',
        path: `/v1/file/update_items?UserToken=${u.token}`,
        body: { Data: JSON.stringify({ UpdateInfos: [{ _id: toObjectId(file.id), Description: `a${NUL}b` }] }) },
        anonymous: true,
      },
      { what: 'OneBot JSON body', method: 'POST', path: `/onebot/create_group_file_folder?access_token=${u.token}`, body: { group_id: '1', name: `a${NUL}b` }, anonymous: true },
      { what: 'media list name=', method: 'GET', path: `/file/list?name=${q(`a${NUL}b`)}`, field: 'name' },
      { what: 'media list etag=', method: 'GET', path: `/file/list?etag=${q(`a${NUL}b`)}`, field: 'etag' },
      { what: 'media list maintype=', method: 'GET', path: `/file/list?maintype=${q(`a${NUL}b`)}`, field: 'maintype' },
      { what: 'media list subtype=', method: 'GET', path: `/file/list?subtype=${q(`a${NUL}b`)}`, field: 'subtype' },
      { what: 'media q name==', method: 'GET', path: `/file/list?q=${q(`name==a${NUL}b`)}`, field: 'q' },
      { what: 'media /:maintype/:name', method: 'GET', path: `/text/${q(`kept${NUL}.txt`)}`, field: 'name' },
      children(`name==a${NUL}b`),
      children(`name==a${NUL}*`),
      drive('children', `Name==a${NUL}b`),
      // Numbers outside the columns.
      children(`size=gt=${BIG}`),
      children('size=gt=1.5'),
      children(`createdAt=gt=${BIG}`),
      children('createdAt=gt=1e20'),
      children('version=gt=1e20'),
      children('version=gt=10000000000'),
      children('id=in=(1,1e20)'),
      drive('children', `CreateDate=gt="/Date(99999999999999999999)/"`),
      drive('children', 'ModifyDate=lt=99999999999999999999'),
      drive('children', `FileSize=gt=${BIG}`),
      drive('children', 'Version=gt=99999999999'),
      { what: `media q size=gt=${BIG}`, method: 'GET', path: `/file/list?q=${q(`size=gt=${BIG}`)}`, field: 'q' },
      { what: `media q created=gt=${BIG}`, method: 'GET', path: `/file/list?q=${q(`created=gt=${BIG}`)}`, field: 'q' },
      { what: 'native move parentId 1e20', method: 'POST', path: `/api/v1/items/${file.id}/move`, body: { parentId: 1e20 } },
      { what: 'native share itemIds [1e20]', method: 'POST', path: '/api/v1/shares', body: { itemIds: [1e20], type: 'public' } },
    ];
  };

  it('answers 400 to every such request, naming the field, on both databases', async () => {
    const answers: string[] = [];
    for (const c of cases()) {
      const res = await send(c);
      const b = await json(res);
      answers.push(`${c.what}: ${res.status}`);
      // Drive and OneBot answer with their envelopes; the others in the REST shape.
      if (b.error) {
        expect(b.error.code, c.what).toBe('bad_request');
        if (c.field) expect(b.error.details?.field, c.what).toBe(c.field);
      } else if (b.retcode !== undefined) {
        expect(b.retcode, c.what).toBe(1400);
        expect(b.message, c.what).toMatch(/name must not contain NUL/);
        answers[answers.length - 1] = `${c.what}: ${b.retcode === 1400 ? 400 : b.retcode}`;
      } else expect(b.Code, c.what).toBe(400);
    }
    expect(answers.filter((a) => !a.endsWith(': 400'))).toEqual([]);
  });

  it('changes nothing: the item, the tokens and the listing are as before', async () => {
    const item = await json(await fetch(`${k.url}/api/v1/items/${file.id}`, { headers: u.auth }));
    expect(item).toMatchObject({ description: '', customTag: '', properties: {}, parentId: u.rootId, name: 'kept.txt' });
    const tokens = (await json(await fetch(`${k.url}/api/v1/tokens`, { headers: u.auth }))).tokens as { label: string }[];
    expect(tokens.map((t) => t.label)).toEqual(['test']);
    expect((await json(await fetch(`${k.url}/api/v1/shares`, { headers: u.auth }))).shares).toEqual([]);
  });

  it('still answers values within range, at the edges too', async () => {
    const ok = async (path: string) => {
      const res = await fetch(`${k.url}${path}`, { headers: u.auth });
      expect(res.status, path).toBe(200);
      return json(res);
    };
    const names = async (filter: string) => ((await ok(`/api/v1/items/${u.rootId}/children?q=${q(filter)}`)).items as { name: string }[]).map((i) => i.name);
    expect(await names(`size=lt=${Number.MAX_SAFE_INTEGER}`)).toEqual(['kept.txt']);
    expect(await names(`createdAt=gt=${-Number.MAX_SAFE_INTEGER}`)).toEqual(['kept.txt']);
    expect(await names(`version=lt=${2 ** 31 - 1}`)).toEqual(['kept.txt']);
    expect(await names('name==kept.*')).toEqual(['kept.txt']);
    const drive = await ok(`/v1/file/children?UserToken=${u.token}&FolderId=${toObjectId(u.rootId)}&ListParams=${q(JSON.stringify({ Search: 'CreateDate=gt="/Date(0)/";Version==0' }))}`);
    expect(drive.Data.map((i: { Name: string }) => i.Name)).toEqual(['kept.txt']);
    expect((await ok(`/file/list?q=${q('created=gt=1970-01-01T00:00:00Z')}`)).files.map((f: { name: string }) => f.name)).toEqual(['kept.txt']);
    expect(await (await fetch(`${k.url}/text/kept.txt`, { headers: u.auth })).text()).toBe('kept as it was');
  });
});

/** Issue 20, item 11: invisible direction marks in names; passwords made of the username. */
describe.each(backends)('names and passwords (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  beforeAll(async () => {
    k = await startKura(backend, { KURA_OPEN_REGISTRATION: 'true' });
    u = await k.user();
  });
  afterAll(() => k.stop());

  it('refuses names holding bidirectional marks (U+200E, U+200F, U+061C), uploaded or made', async () => {
    for (const mark of ['\u200e', '\u200f', '\u061c']) {
      const name = `invoice${mark}gpj.exe`;
      const form = new FormData();
      form.append('file', blobOf('x'), name);
      const up = await fetch(`${k.url}/api/v1/items/${u.rootId}/children`, { method: 'POST', headers: u.auth, body: form });
      expect(up.status).toBe(400);
      const folder = await fetch(`${k.url}/api/v1/items/${u.rootId}/children`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ name, kind: 'folder' }) });
      expect(folder.status).toBe(400);
      expect((await json(folder)).error.details.field).toBe('name');
    }
    expect((await json(await fetch(`${k.url}/api/v1/items/${u.rootId}/children`, { headers: u.auth }))).items).toEqual([]);
  });

  it('refuses passwords that are the username repeated or padded, at registration and when changed', async () => {
    const reg = (username: string, password: string) => fetch(`${k.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    for (const [username, password] of [
      ['weak6', 'weak6weak6'],
      ['Alice', 'alice2024!'],
      ['bobby', 'BOBBYbobby'],
    ]) {
      const res = await reg(username, password);
      expect(res.status, password).toBe(400);
      expect((await json(res)).error.details.field).toBe('password');
    }
    // Eight characters besides the name are enough.
    expect((await reg('weak6', 'weak6 is my old name')).status).toBe(201);
    await expect(k.core.users.setPassword(u.id, `${u.username}${u.username}`)).rejects.toMatchObject({ code: 'bad_request' });
    const login = await fetch(`${k.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u.username, password: 'correct horse battery' }) });
    expect(login.status).toBe(200);
  });
});
