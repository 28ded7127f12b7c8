import argon2 from 'argon2';
import { KuraError } from '../errors.js';
import { Permits } from '../permits.js';

/**
 * Password hashing shares libuv's thread pool with file reads: argon2id (64 MiB, three
 * passes, four lanes) keeps a thread busy for a long while. At most one hash runs at a
 * time, so a login flood queues here instead of starving downloads; a queue longer than
 * QUEUE_LIMIT is refused (rate_limited) instead of growing without bound.
 */
const hashing = new Permits(1);
const QUEUE_LIMIT = 64;

async function withPermit<T>(fn: () => Promise<T>): Promise<T> {
  if (hashing.waiting >= QUEUE_LIMIT) throw new KuraError('rate_limited', 'too many sign-ins at once; try again shortly', { retryAfter: 1 });
  const release = await hashing.acquire();
  try {
    return await fn();
  } finally {
    release();
  }
}

/** argon2id with the library's defaults (m=64 MiB, t=3, p=4). */
export const hashPassword = (password: string): Promise<string> => withPermit(() => argon2.hash(password, { type: argon2.argon2id }));

let checks = 0;
/** How many argon2 verifications this process has run (tests prove that a cached password costs none). */
export const passwordChecks = (): number => checks;

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  checks++;
  return withPermit(async () => {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  });
}

let dummy: Promise<string> | undefined;
/** Spends the same time as a real check, so a missing user is not told apart by timing. */
export async function burnVerify(password: string): Promise<void> {
  dummy ??= hashPassword('kura-dummy-password').catch((e: unknown) => {
    dummy = undefined;
    throw e;
  });
  await verifyPassword(await dummy, password);
}
