import argon2 from 'argon2';
import { badRequest, KuraError } from '../errors.js';
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

/** argon2id's cost: memory in KiB, passes, lanes. */
export interface PasswordCost {
  readonly m: number;
  readonly t: number;
  readonly p: number;
}

/** The library's defaults (m=64 MiB, t=3, p=4): new hashes cost this unless KURA_PASSWORD_COST says otherwise. */
export const DEFAULT_PASSWORD_COST: PasswordCost = { m: 65536, t: 3, p: 4 };

/** The weakest argon2id parameters a hash may have, made here or brought (OWASP's floor: 19 MiB, two passes, one lane). */
export const HASH_FLOOR: PasswordCost = { m: 19456, t: 2, p: 1 };

/** Whether `c` is at least the floor in every parameter. */
export const atLeastFloor = (c: PasswordCost): boolean => c.m >= HASH_FLOOR.m && c.t >= HASH_FLOOR.t && c.p >= HASH_FLOOR.p;

/** argon2id at `cost` (KURA_PASSWORD_COST). */
export const hashPassword = (password: string, cost: PasswordCost = DEFAULT_PASSWORD_COST): Promise<string> =>
  withPermit(() => argon2.hash(password, { type: argon2.argon2id, memoryCost: cost.m, timeCost: cost.t, parallelism: cost.p }));

const ENCODED = /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;

/**
 * An argon2id hash in its encoded form (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`, as
 * `hashPassword` makes) whose parameters are not below HASH_FLOOR; anything else is refused.
 */
export function checkPasswordHash(h: unknown): string {
  const m = typeof h === 'string' ? ENCODED.exec(h) : null;
  if (!m) throw badRequest('password hash must be an encoded argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash)', { field: 'passwordHash' });
  if (!atLeastFloor({ m: Number(m[1]), t: Number(m[2]), p: Number(m[3]) })) {
    throw badRequest(`password hash is too weak: it needs at least m=${HASH_FLOOR.m},t=${HASH_FLOOR.t},p=${HASH_FLOOR.p}`, { field: 'passwordHash' });
  }
  return h as string;
}

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

const dummies = new Map<string, Promise<string>>();
/**
 * Spends the same time as a real check of a hash made at `cost` (what new accounts get), so
 * a missing user is not told apart by timing.
 */
export async function burnVerify(password: string, cost: PasswordCost = DEFAULT_PASSWORD_COST): Promise<void> {
  const key = `${cost.m},${cost.t},${cost.p}`;
  let dummy = dummies.get(key);
  if (!dummy) {
    dummy = hashPassword('kura-dummy-password', cost);
    dummies.set(key, dummy);
    dummy.catch(() => dummies.delete(key));
  }
  await verifyPassword(await dummy, password);
}
