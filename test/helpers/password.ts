import argon2 from 'argon2';
import { HASH_FLOOR } from '../../src/core/users/passwords.js';

/** The password of every user the test helpers make. */
export const TEST_PASSWORD = 'correct horse battery';

/** Hashes TEST_PASSWORD at the floor parameters (cheap to verify, still accepted by `checkPasswordHash`). */
export const hashTestPassword = (): Promise<string> =>
  argon2.hash(TEST_PASSWORD, { type: argon2.argon2id, memoryCost: HASH_FLOOR.m, timeCost: HASH_FLOOR.t, parallelism: HASH_FLOOR.p });

let cached: Promise<string> | undefined;

/**
 * One argon2id hash of TEST_PASSWORD for the whole run: the global set-up makes it once
 * (KURA_TEST_PASSWORD_HASH); a file run without it hashes once per process. Users made with
 * it cost no argon2 (`users.create({ passwordHash })`, `kura user add --password-hash`).
 */
export function testPasswordHash(): Promise<string> {
  const fromSetup = process.env.KURA_TEST_PASSWORD_HASH;
  if (fromSetup) return Promise.resolve(fromSetup);
  cached ??= hashTestPassword();
  return cached;
}
