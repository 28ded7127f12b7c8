import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/index.js';
import { passwordChecks } from '../../src/core/users/passwords.js';
import { VERIFIED_KEEP_MS } from '../../src/core/users/verified-passwords.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest } from '../helpers/core.js';

const PASSWORD = 'correct horse battery';

/**
 * HTTP Basic sends the password with every request: the core remembers one it verified
 * (authenticate with `remember`), so only the first costs argon2, and forgets it when the
 * password changes or the user goes. Hashes are counted, never timed.
 */
describe.each(backends)('remembered passwords on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  /** A second node on the same database and blob store: its writes do not reach k's memory. */
  let otherNode: Core;
  beforeAll(async () => {
    k = await startCore(backend, { KURA_AUTH_CACHE_SECONDS: '5' });
    otherNode = createCore({ config: k.config, store: k.core.database.store, blobs: k.core.blobs, images: k.core.images, sources: k.core.sources, now: k.clock.now, fault: () => undefined });
  });
  afterAll(() => k.close());

  /** How many argon2 verifications `fn` ran. */
  const hashesOf = async (fn: () => Promise<unknown>): Promise<number> => {
    const before = passwordChecks();
    await fn().catch(() => undefined);
    return passwordChecks() - before;
  };
  const basic = (username: string, password: string, client = '192.0.2.1') => k.core.users.authenticate(username, password, { client, remember: true });

  it('verifies a password once; the next requests cost no hash, the fresh window and later alike', async () => {
    const u = await k.user();
    expect(await hashesOf(() => basic(u.username, PASSWORD))).toBe(1);
    expect(await hashesOf(() => basic(u.username, PASSWORD))).toBe(0);
    expect(await basic(u.username.toUpperCase(), PASSWORD)).toMatchObject({ id: u.id });
    // Past the fresh window the stored hash is read again and still matches: no argon2.
    k.clock.advance(60_000);
    expect(await hashesOf(() => basic(u.username, PASSWORD))).toBe(0);
    expect(await basic(u.username, PASSWORD)).toMatchObject({ id: u.id, username: u.username });
    // An entry is kept for a while at most; then the password is verified once more.
    k.clock.advance(VERIFIED_KEEP_MS);
    expect(await hashesOf(() => basic(u.username, PASSWORD))).toBe(1);
    expect(await hashesOf(() => basic(u.username, PASSWORD))).toBe(0);
  });

  it('never remembers a wrong password: each one is hashed and counted by the failed-login limiter', async () => {
    const u = await k.user();
    await basic(u.username, PASSWORD);
    for (let i = 0; i < 10; i++) {
      expect(await hashesOf(() => expect(basic(u.username, 'wrong password!', `192.0.2.${10 + i}`)).rejects.toMatchObject({ code: 'unauthorized' }))).toBe(1);
    }
    // The account's failures are used up: a guess is refused without a hash…
    await expect(basic(u.username, 'another guess!!')).rejects.toMatchObject({ code: 'rate_limited' });
    expect(await hashesOf(() => basic(u.username, 'another guess!!'))).toBe(0);
    // …and so is the right password that was not verified on this node lately…
    await expect(k.core.users.authenticate(u.username, PASSWORD, { client: '192.0.2.99' })).rejects.toMatchObject({ code: 'rate_limited' });
    // …while the client that proved it keeps working (a hit is no guess).
    expect(await basic(u.username, PASSWORD)).toMatchObject({ id: u.id });
  });

  it('does not remember without being asked (native sign-in hashes every time)', async () => {
    const u = await k.user();
    expect(await hashesOf(() => k.core.users.authenticate(u.username, PASSWORD))).toBe(1);
    expect(await hashesOf(() => k.core.users.authenticate(u.username, PASSWORD))).toBe(1);
  });

  it('forgets at once a password changed through this node: the old one fails, the new one works', async () => {
    const u = await k.user();
    await basic(u.username, PASSWORD);
    await k.core.users.setPassword(u.id, 'a brand new secret');
    await expect(basic(u.username, PASSWORD)).rejects.toMatchObject({ code: 'unauthorized' });
    expect(await basic(u.username, 'a brand new secret')).toMatchObject({ id: u.id });
  });

  it('forgets at once a user removed through this node', async () => {
    const u = await k.user();
    await basic(u.username, PASSWORD);
    await k.core.users.remove(u.id);
    await expect(basic(u.username, PASSWORD)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('honours a password changed on another node once the fresh window (KURA_AUTH_CACHE_SECONDS) has passed', async () => {
    const u = await k.user();
    await basic(u.username, PASSWORD);
    // Another node (or `kura user passwd`) changes it; this node was not told.
    await otherNode.users.setPassword(u.id, 'changed elsewhere');
    expect(await basic(u.username, PASSWORD)).toMatchObject({ id: u.id });
    k.clock.advance(5_001);
    await expect(basic(u.username, PASSWORD)).rejects.toMatchObject({ code: 'unauthorized' });
    expect(await basic(u.username, 'changed elsewhere')).toMatchObject({ id: u.id });
  });

  it('honours a user removed on another node once the fresh window has passed', async () => {
    const u = await k.user();
    await basic(u.username, PASSWORD);
    await otherNode.users.remove(u.id);
    expect(await basic(u.username, PASSWORD)).toMatchObject({ id: u.id });
    k.clock.advance(5_001);
    await expect(basic(u.username, PASSWORD)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
