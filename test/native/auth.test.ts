import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('open registration', () => {
  it('creates an account with its personal space when KURA_OPEN_REGISTRATION is on', async () => {
    const k = await startKura('sqlite', { KURA_OPEN_REGISTRATION: 'true' });
    try {
      const res = await fetch(`${k.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol', password: 'long enough password' }) });
      expect(res.status).toBe(201);
      const { token } = await json(res);
      const spaces = await json(await fetch(`${k.url}/api/v1/spaces`, { headers: { authorization: `Bearer ${token}` } }));
      expect(spaces.spaces).toHaveLength(1);
      expect(spaces.spaces[0]).toMatchObject({ kind: 'personal', name: 'carol', role: 'owner' });
      const again = await fetch(`${k.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol', password: 'long enough password' }) });
      expect(again.status).toBe(409);
      const weak = await fetch(`${k.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dave', password: 'short' }) });
      expect(weak.status).toBe(400);
      const badName = await fetch(`${k.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: '../etc', password: 'long enough password' }) });
      expect(badName.status).toBe(400);
    } finally {
      await k.stop();
    }
  });
});
