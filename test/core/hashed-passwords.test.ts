import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPasswordHash } from '../../src/core/users/passwords.js';
import { startCore, type CoreUnderTest } from '../helpers/core.js';
import { TEST_PASSWORD, testPasswordHash } from '../helpers/password.js';

/**
 * A user may be made from an already-hashed password (`kura user add --password-hash`, the
 * test fixtures): only an encoded argon2id hash at or above the floor m=19456,t=2,p=1 is taken.
 */
describe('users made from an argon2id hash (core)', () => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore();
  });
  afterAll(() => k.close());

  it('signs in with the password behind the hash', async () => {
    const u = await k.core.users.create({ username: 'hashed', passwordHash: await testPasswordHash() });
    expect(await k.core.users.authenticate('hashed', TEST_PASSWORD)).toMatchObject({ id: u.id, role: 'user' });
    await expect(k.core.users.authenticate('hashed', 'another password')).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('open registration takes a password only, never a hash', async () => {
    const open = await startCore('sqlite', { KURA_OPEN_REGISTRATION: 'true' });
    try {
      const smuggled = { username: 'smuggler', passwordHash: await testPasswordHash() } as unknown as { username: string; password: string };
      await expect(open.core.users.register(smuggled, { client: '192.0.2.9' })).rejects.toMatchObject({ code: 'bad_request', details: { field: 'password' } });
      await expect(open.core.users.byName('smuggler')).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await open.close();
    }
  });

  it('refuses anything but an argon2id hash at or above the floor', async () => {
    const weak = (o: { memoryCost: number; timeCost: number; parallelism: number }) => argon2.hash('x', { type: argon2.argon2id, ...o });
    const floor = { memoryCost: 19456, timeCost: 2, parallelism: 1 };
    expect(checkPasswordHash(await weak(floor))).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    for (const bad of [
      await weak({ ...floor, memoryCost: 19455 }),
      await weak({ ...floor, timeCost: 1 }),
      await argon2.hash('x', { type: argon2.argon2i, ...floor }),
      'correct horse battery',
      '',
      42,
    ]) {
      expect(() => checkPasswordHash(bad), String(bad)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    }
    await expect(k.core.users.create({ username: 'weak', passwordHash: await weak({ ...floor, timeCost: 1 }) })).rejects.toMatchObject({ code: 'bad_request', message: /too weak/ });
    await expect(k.core.users.byName('weak')).rejects.toMatchObject({ code: 'not_found' });
  });
});

/** KURA_PASSWORD_COST: new hashes (made, changed, and the dummy of unknown names) cost what it says. */
describe('the cost of new password hashes (core)', () => {
  let k: CoreUnderTest;
  afterAll(() => k?.close());

  it('makes and changes hashes at the configured cost, the library default without it', async () => {
    k = await startCore('sqlite', { KURA_PASSWORD_COST: 'm=19456,t=2,p=1' });
    const stored = async (name: string) => (await k.core.database.db.selectFrom('users').select('password_hash').where('username', '=', name).executeTakeFirstOrThrow()).password_hash;
    await k.core.users.create({ username: 'floor', password: 'a long enough password 1' });
    expect(await stored('floor')).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const u = await k.core.users.byName('floor');
    await k.core.users.setPassword(u.id, 'another long password 2');
    expect(await stored('floor')).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await k.core.users.authenticate('floor', 'another long password 2')).toMatchObject({ id: u.id });
    await expect(k.core.users.authenticate('nobody-at-all', 'whatever it is')).rejects.toMatchObject({ code: 'unauthorized' });
    const plain = await startCore('sqlite', { KURA_PASSWORD_COST: '' });
    try {
      await plain.core.users.create({ username: 'dflt', password: 'a long enough password 1' });
      const h = (await plain.core.database.db.selectFrom('users').select('password_hash').where('username', '=', 'dflt').executeTakeFirstOrThrow()).password_hash;
      expect(argon2.needsRehash(h, { memoryCost: 65536, timeCost: 3, parallelism: 4 })).toBe(false);
      expect(h).toMatch(/\$m=65536,t=3,p=4\$/);
    } finally {
      await plain.close();
    }
  });
});
