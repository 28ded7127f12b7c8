import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordChecks } from '../src/core/users/passwords.js';
import { basic } from '../src/http/shared/credentials.js';
import { backends } from './helpers/backends.js';
import { json } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';
import { probeDialect } from './helpers/probe-dialect.js';

const PASSWORD = 'correct horse battery';

/**
 * HTTP Basic over the wire (the strategy WebDAV will list): a client sending its password
 * on every request costs argon2 once; a password changed on this node stops working at
 * once. Hashes are counted through the password module, never timed.
 */
describe.each(backends)('HTTP Basic with remembered passwords (%s)', (backend) => {
  const probe = probeDialect('basic', [basic()]);
  let k: TestKura;
  let alice: TestUser;
  beforeAll(async () => {
    k = await startKura(backend, {}, { dialects: [probe.factory] });
    alice = await k.user();
  });
  afterAll(() => k.stop());

  const me = (username: string, password: string) =>
    fetch(`${k.url}/probe/basic/me`, { headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } });
  const hashesOf = async (fn: () => Promise<Response>): Promise<{ status: number; hashes: number }> => {
    const before = passwordChecks();
    const res = await fn();
    await res.arrayBuffer();
    return { status: res.status, hashes: passwordChecks() - before };
  };

  it('hashes the password on the first request only', async () => {
    expect(await hashesOf(() => me(alice.username, PASSWORD))).toEqual({ status: 200, hashes: 1 });
    for (let i = 0; i < 3; i++) expect(await hashesOf(() => me(alice.username, PASSWORD))).toEqual({ status: 200, hashes: 0 });
    expect((await json(await me(alice.username, PASSWORD))).data.userId).toBe(alice.id);
  });

  it('refuses the old password at once after a change on this node; the new one works', async () => {
    const u = await k.user();
    expect((await me(u.username, PASSWORD)).status).toBe(200);
    await k.core.users.setPassword(u.id, 'the new password');
    expect((await me(u.username, PASSWORD)).status).toBe(401);
    expect(await hashesOf(() => me(u.username, 'the new password'))).toEqual({ status: 200, hashes: 1 });
    expect(await hashesOf(() => me(u.username, 'the new password'))).toEqual({ status: 200, hashes: 0 });
  });

  it('hashes every wrong password and counts it: past the account limit, 429 for guesses', async () => {
    const u = await k.user();
    for (let i = 0; i < 10; i++) expect(await hashesOf(() => me(u.username, `wrong guess ${i}`))).toEqual({ status: 401, hashes: 1 });
    const limited = await me(u.username, 'one more guess');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
