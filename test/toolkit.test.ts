import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../src/http/dialects/index.js';
import { formScanner, jsonScanner, type FieldScanner } from '../src/http/shared/credential-scan.js';
import { bareAuthorization, basic, bearer, namedParam, oneBotAccessToken } from '../src/http/shared/credentials.js';
import { decimalNumberCodec, decimalStringCodec, fromObjectId, objectIdCodec, toObjectId } from '../src/http/shared/ids.js';
import { backends } from './helpers/backends.js';
import { blobOf, json } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';
import { oneBotEnvelope, probeDialect } from './helpers/probe-dialect.js';

describe('id codecs', () => {
  it('render one id in each form and read it back', () => {
    const id = 2 ** 52 + 12345;
    expect(fromObjectId(toObjectId(id))).toBe(id);
    expect(objectIdCodec.decode(toObjectId(id).toUpperCase())).toBe(id);
    expect(objectIdCodec.decode(123)).toBeUndefined();
    expect(decimalNumberCodec.encode(id)).toBe(id);
    expect(decimalNumberCodec.decode(id)).toBe(id);
    expect(decimalNumberCodec.decode(String(id))).toBe(id);
    expect(decimalNumberCodec.decode(1.5)).toBeUndefined();
    expect(decimalNumberCodec.decode('0')).toBeUndefined();
    expect(decimalStringCodec.encode(id)).toBe(String(id));
    expect(decimalStringCodec.decode(String(id))).toBe(id);
    expect(decimalStringCodec.decode(id)).toBeUndefined();
    expect(decimalStringCodec.decode('12a')).toBeUndefined();
  });
});

describe('credential scanners (a credential field found while a body streams)', () => {
  /** Feeds `text` in pieces of `step` bytes; the field found and the body offset where it ended. */
  const scan = (scanner: FieldScanner, text: string, step: number) => {
    const b = Buffer.from(text);
    for (let i = 0; i < b.length; i += step) {
      const f = scanner.push(b.subarray(i, i + step));
      if (f) return { field: f.field, value: f.value, end: i + f.at };
    }
    const f = scanner.end();
    return f ? { field: f.field, value: f.value, end: b.length } : undefined;
  };

  it.each([1, 2, 5, 4096])('JSON: only a string member of the top-level object, escapes decoded (pieces of %i bytes)', (step) => {
    expect(scan(jsonScanner(['UserToken']), '{"a": {"UserToken": "nested"}, "b": ["UserToken", "\\"}"], "User\\u0054oken": "tok\\"é"}', step)).toMatchObject({ field: 'UserToken', value: 'tok"é' });
    expect(scan(jsonScanner(['UserToken']), '{"x": true, "n": null, "UserToken": 5, "UserToken": "", "UserToken": "ok"}', step)).toMatchObject({ value: 'ok' });
    expect(scan(jsonScanner(['UserToken']), '[{"UserToken": "in an array"}]', step)).toBeUndefined();
    expect(scan(jsonScanner(['UserToken']), '{"Data": {"x": 1}} {"UserToken": "after the object"}', step)).toBeUndefined();
  });

  it.each([1, 3, 4096])('forms: decoded names and values, the last pair at the end of the body (pieces of %i bytes)', (step) => {
    expect(scan(formScanner(['UserToken']), 'a=1&User%54oken=abc%2B+d&x=2', step)).toEqual({ field: 'UserToken', value: 'abc+ d', end: 24 });
    expect(scan(formScanner(['UserToken']), 'a=1&UserToken=&b=2', step)).toBeUndefined();
    expect(scan(formScanner(['UserToken']), 'a=1&UserToken=last', step)).toMatchObject({ value: 'last' });
  });
});

describe.each(backends)('dialect toolkit (%s)', (backend) => {
  const probes = {
    bearer: probeDialect('bearer', [bearer()]),
    param: probeDialect('param', [namedParam('UserToken')]),
    ordered: probeDialect('ordered', [namedParam('UserToken'), bearer()]),
    bare: probeDialect('bare', [bareAuthorization()]),
    basic: probeDialect('basic', [basic()]),
    onebot: probeDialect('onebot', [oneBotAccessToken()], oneBotEnvelope),
  };
  const log: string[] = [];
  let k: TestKura;
  let alice: TestUser, bob: TestUser;
  let expired: string;

  const url = (probe: keyof typeof probes, path: string) => `${k.url}/probe/${probe}${path}`;
  const basicAuth = (user: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` });
  const usage = async (u: TestUser) => (await k.core.spaces.get({ userId: u.id, role: 'user' }, u.spaceId)).usage;
  const names = async (u: TestUser) => (await k.core.items.allChildren({ userId: u.id, role: 'user' }, u.rootId, {})).map((i) => i.name);

  /** Status, body, and the credential problem the dialect's envelope reports. */
  async function call(res: Response) {
    const body = await json(res);
    return { status: res.status, body, credential: (body.meta?.details ?? body.details)?.credential as string | undefined };
  }

  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => log.push(...chunk.toString().split('\n').filter(Boolean)));
    k = await startKura(backend, { LOG_LEVEL: 'info' }, { dialects: [...DIALECTS, ...Object.values(probes).map((p) => p.factory)], log: stream });
    [alice, bob] = await Promise.all([k.user(), k.user()]);
    expired = (await k.core.tokens.create(alice.id, { label: 'short', expiresInMs: 1 })).token;
    await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(() => k.stop());

  it('Bearer: finds the caller once, tells missing, invalid and expired apart', async () => {
    expect(await call(await fetch(url('bearer', '/me'), { headers: alice.auth }))).toMatchObject({ status: 200, body: { data: { userId: alice.id } } });
    const missing = await call(await fetch(url('bearer', '/me')));
    expect(missing).toMatchObject({ status: 401, credential: 'missing', body: { meta: { code: 401, text: 'this request needs an Authorization: Bearer <token> header' } } });
    expect(await call(await fetch(url('bearer', '/me'), { headers: { authorization: 'Bearer kura_wrong' } }))).toMatchObject({ status: 401, credential: 'invalid' });
    expect(await call(await fetch(url('bearer', '/me'), { headers: { authorization: `Bearer ${expired}` } }))).toMatchObject({ status: 401, credential: 'expired' });
    // Another scheme is no Bearer credential at all.
    expect(await call(await fetch(url('bearer', '/me'), { headers: basicAuth(alice.username, 'correct horse battery') }))).toMatchObject({ status: 401, credential: 'missing' });
  });

  it('a named parameter: query string, urlencoded form, JSON body and multipart field', async () => {
    expect(await call(await fetch(url('param', `/me?UserToken=${alice.token}`)))).toMatchObject({ status: 200, body: { data: { userId: alice.id } } });
    const form = await fetch(url('param', '/me'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `UserToken=${encodeURIComponent(bob.token)}` });
    expect(await call(form)).toMatchObject({ status: 200, body: { data: { userId: bob.id } } });
    const body = await fetch(url('param', '/me'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserToken: alice.token }) });
    expect(await call(body)).toMatchObject({ status: 200, body: { data: { userId: alice.id } } });
    // One in the query string is judged before the body is read, so it decides.
    const both = await fetch(url('param', `/me?UserToken=${alice.token}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserToken: bob.token }) });
    expect(await call(both)).toMatchObject({ status: 200, body: { data: { userId: alice.id } } });
    expect(await call(await fetch(url('param', '/me?UserToken=')))).toMatchObject({ status: 401, credential: 'missing' });
    expect(await call(await fetch(url('param', '/me?UserToken=kura_nope')))).toMatchObject({ status: 401, credential: 'invalid' });
    expect(await call(await fetch(url('param', `/me?UserToken=${expired}`)))).toMatchObject({ status: 401, credential: 'expired' });
    // The header is not this strategy's.
    expect(await call(await fetch(url('param', '/me'), { headers: alice.auth }))).toMatchObject({ status: 401, credential: 'missing' });

    const upload = new FormData();
    upload.append('UserToken', alice.token);
    upload.append('FolderId', String(alice.rootId));
    upload.append('File', blobOf('from a field'), 'field.txt');
    const stored = await call(await fetch(url('param', '/upload'), { method: 'POST', body: upload }));
    expect(stored).toMatchObject({ status: 200, body: { data: { size: 12 } } });
    expect(await names(alice)).toContain('field.txt');
  });

  it('multipart: a file before any credential is refused (401) and never reaches storage', async () => {
    const before = await usage(alice);
    const reached = probes.param.filesReached;
    const early = new FormData();
    early.append('FolderId', String(alice.rootId));
    early.append('File', blobOf('x'.repeat(100_000)), 'early.txt');
    early.append('UserToken', alice.token);
    expect(await call(await fetch(url('param', '/upload'), { method: 'POST', body: early }))).toMatchObject({ status: 401, credential: 'missing' });
    const wrong = new FormData();
    wrong.append('UserToken', 'kura_wrong');
    wrong.append('FolderId', String(alice.rootId));
    wrong.append('File', blobOf('nope'), 'wrong.txt');
    expect(await call(await fetch(url('param', '/upload'), { method: 'POST', body: wrong }))).toMatchObject({ status: 401, credential: 'invalid' });
    expect(probes.param.filesReached).toBe(reached);
    expect(await usage(alice)).toEqual(before);
    expect(await names(alice)).not.toContain('early.txt');
    // In order: the first strategy that finds a credential decides, here the header.
    const viaHeader = new FormData();
    viaHeader.append('FolderId', String(bob.rootId));
    viaHeader.append('File', blobOf('header'), 'header.txt');
    expect(await call(await fetch(url('ordered', '/upload'), { method: 'POST', headers: bob.auth, body: viaHeader }))).toMatchObject({ status: 200 });
    expect(await names(bob)).toContain('header.txt');
    // Not multipart at all: 415 from the reader, before any credential is asked for.
    expect(await call(await fetch(url('param', '/upload'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))).toMatchObject({ status: 415 });
  });

  it('strategies in order: the first credential found decides, a wrong one is not retried', async () => {
    expect(await call(await fetch(url('ordered', '/me'), { headers: alice.auth }))).toMatchObject({ status: 200, body: { data: { userId: alice.id } } });
    expect(await call(await fetch(url('ordered', `/me?UserToken=${bob.token}`), { headers: alice.auth }))).toMatchObject({ status: 200, body: { data: { userId: bob.id } } });
    expect(await call(await fetch(url('ordered', '/me?UserToken=kura_wrong'), { headers: alice.auth }))).toMatchObject({ status: 401, credential: 'invalid' });
  });

  it('a bare Authorization header', async () => {
    expect(await call(await fetch(url('bare', '/me'), { headers: { authorization: alice.token } }))).toMatchObject({ status: 200, body: { data: { userId: alice.id } } });
    expect(await call(await fetch(url('bare', '/me'), { headers: { authorization: 'kura_wrong' } }))).toMatchObject({ status: 401, credential: 'invalid' });
    expect(await call(await fetch(url('bare', '/me'), { headers: { authorization: expired } }))).toMatchObject({ status: 401, credential: 'expired' });
    expect(await call(await fetch(url('bare', '/me')))).toMatchObject({ status: 401, credential: 'missing' });
  });

  it('HTTP Basic: a password, or a token of that same user', async () => {
    const byPassword = await call(await fetch(url('basic', '/me'), { headers: basicAuth(alice.username, 'correct horse battery') }));
    expect(byPassword).toMatchObject({ status: 200, body: { data: { userId: alice.id, tokenId: null } } });
    expect(await call(await fetch(url('basic', '/me'), { headers: basicAuth(alice.username, 'wrong password') }))).toMatchObject({ status: 401, credential: 'invalid' });
    expect(await call(await fetch(url('basic', '/me'), { headers: basicAuth('nobody', 'correct horse battery') }))).toMatchObject({ status: 401, credential: 'invalid' });
    const byToken = await call(await fetch(url('basic', '/me'), { headers: basicAuth(alice.username, alice.token) }));
    expect(byToken).toMatchObject({ status: 200, body: { data: { userId: alice.id } } });
    expect(byToken.body.data.tokenId).toEqual(expect.any(Number));
    const othersToken = await call(await fetch(url('basic', '/me'), { headers: basicAuth(alice.username, bob.token) }));
    expect(othersToken).toMatchObject({ status: 401, credential: 'invalid', body: { meta: { text: 'the token does not belong to this user' } } });
    expect(await call(await fetch(url('basic', '/me'), { headers: basicAuth(alice.username, expired) }))).toMatchObject({ status: 401, credential: 'expired' });
    expect(await call(await fetch(url('basic', '/me'), { headers: { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` } }))).toMatchObject({ status: 401, credential: 'invalid' });
    expect(await call(await fetch(url('basic', '/me'), { headers: alice.auth }))).toMatchObject({ status: 401, credential: 'missing' });
  });

  it('OneBot access_token: header or query; 401 missing, 403 wrong, other errors on HTTP 200', async () => {
    expect(await call(await fetch(url('onebot', '/me'), { headers: alice.auth }))).toMatchObject({ status: 200, body: { data: { userId: alice.id } } });
    expect(await call(await fetch(url('onebot', `/me?access_token=${bob.token}`)))).toMatchObject({ status: 200, body: { data: { userId: bob.id } } });
    expect(await call(await fetch(url('onebot', '/me')))).toMatchObject({ status: 401, credential: 'missing', body: { status: 'failed', retcode: 401 } });
    expect(await call(await fetch(url('onebot', '/me?access_token=kura_wrong')))).toMatchObject({ status: 403, credential: 'invalid', body: { status: 'failed' } });
    expect(await call(await fetch(url('onebot', '/me'), { headers: { authorization: 'Bearer kura_wrong' } }))).toMatchObject({ status: 403, credential: 'invalid' });
    expect(await call(await fetch(url('onebot', `/me?access_token=${expired}`)))).toMatchObject({ status: 403, credential: 'expired' });
    expect(await call(await fetch(url('onebot', '/no_such_action'), { headers: alice.auth }))).toMatchObject({ status: 200, body: { status: 'failed', retcode: 1404 } });
    expect(await call(await fetch(url('onebot', '/ids?One=xyz'), { headers: alice.auth }))).toMatchObject({ status: 200, body: { status: 'failed', retcode: 1400, message: 'One must be an ObjectId (24 hexadecimal digits)' } });
  });

  it('public routes never look at credentials; optional ones take a caller when there is one', async () => {
    for (const headers of [{}, { authorization: 'Bearer kura_wrong' }, alice.auth]) {
      expect(await call(await fetch(url('bearer', '/public'), { headers }))).toMatchObject({ status: 200, body: { data: { public: true, actor: null } } });
    }
    expect(await call(await fetch(url('bearer', '/maybe')))).toMatchObject({ status: 200, body: { data: { userId: null } } });
    expect(await call(await fetch(url('bearer', '/maybe'), { headers: alice.auth }))).toMatchObject({ status: 200, body: { data: { userId: alice.id } } });
    expect(await call(await fetch(url('bearer', '/maybe'), { headers: { authorization: 'Bearer kura_wrong' } }))).toMatchObject({ status: 401, credential: 'invalid' });
  });

  it("renders errors and unknown routes in the dialect's envelope; internal errors hide their message", async () => {
    expect(await call(await fetch(url('bearer', '/nothing/here'), { headers: alice.auth }))).toMatchObject({ status: 404, body: { meta: { code: 404, text: 'no route GET /probe/bearer/nothing/here' }, data: null } });
    // An unknown route is 404 even without a credential.
    expect(await call(await fetch(url('bearer', '/nothing')))).toMatchObject({ status: 404 });
    expect(await call(await fetch(url('bearer', '/full'), { headers: alice.auth }))).toMatchObject({ status: 507, body: { meta: { code: 507, text: 'the space is full' } } });
    const ids = await call(await fetch(url('bearer', `/ids?One=${toObjectId(7)}&Many=${encodeURIComponent(JSON.stringify([toObjectId(8), 'bad']))}`), { headers: alice.auth }));
    expect(ids).toMatchObject({ status: 400, body: { meta: { text: 'Many[1] is not an ObjectId' } } });
    expect(await call(await fetch(url('bearer', `/ids?One=${toObjectId(7)}&Many=${encodeURIComponent(JSON.stringify([toObjectId(8)]))}`), { headers: alice.auth }))).toMatchObject({ status: 200, body: { data: { one: 7, many: [8] } } });
    for (const path of ['/internal', '/crash']) {
      const res = await fetch(url('bearer', path), { headers: alice.auth });
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(JSON.parse(text)).toMatchObject({ meta: { code: 500, text: 'internal server error' } });
      expect(text).not.toMatch(/secret|hunter2/);
    }
    // The real dialects mounted beside the probes keep their own envelopes.
    expect(await call(await fetch(`${k.url}/api/v1/nothing`))).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await call(await fetch(`${k.url}/v1/file/nothing`))).toMatchObject({ status: 404, body: { IsOk: false, Code: 404 } });
  });

  it('logs only real server errors at error level, with the stack', async () => {
    log.length = 0;
    await fetch(url('bearer', '/full'), { headers: alice.auth });
    await fetch(url('bearer', '/me'));
    await fetch(url('bearer', '/nothing'));
    await fetch(url('bearer', '/crash'), { headers: alice.auth });
    await new Promise((r) => setTimeout(r, 100));
    const lines = log.map((l) => JSON.parse(l) as { level: number; msg: string; status?: number; err?: { message: string; stack: string } });
    expect(lines.filter((l) => l.msg === 'request').map((l) => l.status)).toEqual([507, 401, 404, 500]);
    const errors = lines.filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0].err?.message).toBe('secret crash detail');
    expect(errors[0].err?.stack).toMatch(/probe-dialect/);
  });
});
