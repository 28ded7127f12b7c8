import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../../src/runtime.js';
import { backends } from '../helpers/backends.js';
import { json } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

describe.each(backends)('native auth and tokens (%s)', (backend) => {
  let k: TestKura;
  let alice: TestUser;
  beforeAll(async () => {
    k = await startKura(backend);
    alice = await k.user('alice');
  });
  afterAll(() => k.stop());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${k.url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('logs in with the right password and answers a working token', async () => {
    const res = await post('/auth/login', { username: 'alice', password: 'correct horse battery' });
    expect(res.status).toBe(200);
    const b = await json(res);
    expect(b.user).toMatchObject({ id: alice.id, username: 'alice', role: 'user', email: 'alice@example.test' });
    expect(b.user.password_hash).toBeUndefined();
    const me = await fetch(`${k.url}/api/v1/me`, { headers: { authorization: `Bearer ${b.token}` } });
    expect(me.status).toBe(200);
    expect((await json(me)).username).toBe('alice');
  });

  it('refuses a wrong password and an unknown user with the same 401', async () => {
    const a = await post('/auth/login', { username: 'alice', password: 'wrong password!' });
    const b = await post('/auth/login', { username: 'nobody', password: 'wrong password!' });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect((await json(a)).error).toEqual((await json(b)).error);
  });

  it('answers 400 with the error shape for wrong types and missing fields', async () => {
    for (const body of [{ username: 'alice' }, { username: 5, password: 'x' }, {}]) {
      const res = await post('/auth/login', body);
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe('bad_request');
    }
    const res = await fetch(`${k.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username": "alice", ' });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('bad_request');
  });

  it('refuses a JSON body over the limit with 413', async () => {
    const res = await post('/auth/login', { username: 'alice', password: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('payload_too_large');
  });

  it('keeps registration closed unless configured', async () => {
    const res = await post('/auth/register', { username: 'mallory', password: 'long enough password' });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe('forbidden');
  });

  it('answers 401 without a token, with a malformed one and with an unknown one', async () => {
    for (const h of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer kura_nonexistent' }, { authorization: 'Bearer ' }] as Record<string, string>[]) {
      const res = await fetch(`${k.url}/api/v1/me`, { headers: h });
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toBe('unauthorized');
    }
  });

  it('creates, lists and revokes tokens; a revoked token stops working', async () => {
    const res = await post('/tokens', { label: 'ci' }, alice.auth);
    expect(res.status).toBe(201);
    const { token, info } = await json(res);
    expect(token).toMatch(/^kura_/);
    const list = await json(await fetch(`${k.url}/api/v1/tokens`, { headers: alice.auth }));
    expect(list.tokens.map((t: { id: number }) => t.id)).toContain(info.id);
    expect(JSON.stringify(list)).not.toContain(token);
    const del = await fetch(`${k.url}/api/v1/tokens/${info.id}`, { method: 'DELETE', headers: alice.auth });
    expect(del.status).toBe(204);
    expect((await fetch(`${k.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it("does not let one user revoke another's token", async () => {
    const bob = await k.user('bob');
    const { info } = await k.core.tokens.create(alice.id, { label: 'mine' });
    const res = await fetch(`${k.url}/api/v1/tokens/${info.id}`, { method: 'DELETE', headers: bob.auth });
    expect(res.status).toBe(404);
  });

  it('rejects an expired token with 401 token expired', async () => {
    const { token } = await k.core.tokens.create(alice.id, { label: 'short', expiresInMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    const res = await fetch(`${k.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect((await json(res)).error.message).toMatch(/expired/);
  });

  it('rejects a bad token lifetime with 400', async () => {
    const res = await post('/tokens', { expires: 'forever' }, alice.auth);
    expect(res.status).toBe(400);
  });
});

describe.each(backends)('open registration (%s)', (backend) => {
  let k: TestKura;
  beforeAll(async () => {
    k = await startKura(backend, { KURA_OPEN_REGISTRATION: 'true', KURA_TRUST_PROXY: '127.0.0.1', KURA_DEFAULT_QUOTA_BYTES: '1MiB' });
  });
  afterAll(() => k.stop());
  const register = (body: Record<string, unknown>, from = '198.51.100.1') =>
    fetch(`${k.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify(body) });

  it('creates an account with its personal space when KURA_OPEN_REGISTRATION is on', async () => {
    const res = await register({ username: 'carol', password: 'long enough password' });
    expect(res.status).toBe(201);
    const { token } = await json(res);
    const spaces = await json(await fetch(`${k.url}/api/v1/spaces`, { headers: { authorization: `Bearer ${token}` } }));
    expect(spaces.spaces).toHaveLength(1);
    expect(spaces.spaces[0]).toMatchObject({ kind: 'personal', name: 'carol', role: 'owner' });
    expect((await register({ username: 'carol', password: 'long enough password' })).status).toBe(409);
    expect((await register({ username: 'dave', password: 'short' })).status).toBe(400);
    expect((await register({ username: '../etc', password: 'long enough password' })).status).toBe(400);
  });

  it('gives every new account KURA_DEFAULT_QUOTA_BYTES, registered or made by an admin', async () => {
    const res = await register({ username: 'erin', password: 'long enough password' }, '198.51.100.2');
    expect(res.status).toBe(201);
    const { token } = await json(res);
    const [mine] = (await json(await fetch(`${k.url}/api/v1/spaces`, { headers: { authorization: `Bearer ${token}` } }))).spaces;
    expect(mine.quota).toMatchObject({ bytes: 1024 * 1024 });
    const made = await k.user();
    expect((await k.core.spaces.get({ userId: made.id, role: 'user' }, made.spaceId)).quota).toMatchObject({ bytes: 1024 * 1024, files: null });
    const upload = new FormData();
    upload.append('file', new Blob([new Uint8Array(1024 * 1024 + 1)]), 'too-big.bin');
    expect((await fetch(`${k.url}/api/v1/items/${mine.rootId}/children`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: upload })).status).toBe(507);
  });

  it('limits accounts per client address in the database: past five, 429 with Retry-After before any hash', async () => {
    const from = '203.0.113.50';
    // Refused input costs no hash and is not counted.
    expect((await register({ username: 'weak-one', password: 'password' }, from)).status).toBe(400);
    for (let i = 0; i < 5; i++) expect((await register({ username: `flood${i}`, password: 'long enough password' }, from)).status).toBe(201);
    const refused = await register({ username: 'flood5', password: 'long enough password' }, from);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(refused)).error).toMatchObject({ code: 'rate_limited', message: 'too many accounts made from this address; try again later' });
    await expect(k.core.users.byName('flood5')).rejects.toMatchObject({ code: 'not_found' });
    // The count is the database's: another node sees it too.
    const other = await openCore(k.config, { images: 'lazy' });
    try {
      await expect(other.users.register({ username: 'flood6', password: 'long enough password' }, { client: from })).rejects.toMatchObject({ code: 'rate_limited' });
    } finally {
      await other.close();
    }
    // Another address, and sign-ins, are not affected.
    expect((await register({ username: 'elsewhere', password: 'long enough password' }, '203.0.113.51')).status).toBe(201);
    const login = await fetch(`${k.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body: JSON.stringify({ username: 'flood0', password: 'long enough password' }) });
    expect(login.status).toBe(200);
  });
});
