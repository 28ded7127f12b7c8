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

/**
 * The cost test servers and cores hash new passwords at (KURA_PASSWORD_COST): OWASP's floor,
 * the fixtures' own, so registrations, password changes and sign-ins with unknown names cost
 * a quarter of the default. Tests of the default pass `KURA_PASSWORD_COST: ''`.
 */
export const FLOOR_COST = 'm=19456,t=2,p=1';
