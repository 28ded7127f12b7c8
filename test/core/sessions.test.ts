import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_LABEL } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest } from '../helpers/core.js';

const PASSWORD = 'correct horse battery';

/** Browser sessions on the core: a `web` token with the configured lifetime, revoked on sign-out. */
describe.each(backends)('sessions on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend, { KURA_SESSION_SECONDS: '3600' });
  });
  afterAll(() => k.close());

  it('signs in with a token labelled web that ends after KURA_SESSION_SECONDS', async () => {
    const u = await k.user();
    const before = k.clock.now();
    const s = await k.core.sessions.open(u.username, PASSWORD, { client: '198.51.100.1' });
    expect(s.user).toMatchObject({ id: u.id, username: u.username });
    expect(s.expiresAt - 3600_000).toBeGreaterThanOrEqual(before);
    expect(s.expiresAt - 3600_000).toBeLessThanOrEqual(k.clock.now());
    const actor = await k.core.tokens.resolve(s.token);
    expect(actor.userId).toBe(u.id);
    expect(await k.core.sessions.describe(actor)).toEqual({ user: s.user, expiresAt: s.expiresAt });
    const mine = await k.core.tokens.list(u.id);
    expect(mine.find((t) => t.id === actor.tokenId)).toMatchObject({ label: SESSION_LABEL, expiresAt: s.expiresAt });
    k.clock.advance(3600_000);
    await expect(k.core.tokens.resolve(s.token)).rejects.toMatchObject({ code: 'unauthorized', details: { credential: 'expired' } });
  });

  it('signs out by revoking the session token; a second sign-out changes nothing', async () => {
    const u = await k.user();
    const s = await k.core.sessions.open(u.username, PASSWORD);
    const actor = await k.core.tokens.resolve(s.token);
    await k.core.sessions.close(actor);
    await expect(k.core.tokens.resolve(s.token)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(k.core.sessions.close(actor)).resolves.toBeUndefined();
    await expect(k.core.sessions.describe(actor)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a wrong password and makes no token', async () => {
    const u = await k.user();
    await expect(k.core.sessions.open(u.username, 'wrong password!', { client: '198.51.100.2' })).rejects.toMatchObject({ code: 'unauthorized', details: { credential: 'invalid' } });
    expect(await k.core.tokens.list(u.id)).toEqual([]);
  });
});
