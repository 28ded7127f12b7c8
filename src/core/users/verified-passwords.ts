import { createHmac, randomBytes } from 'node:crypto';
import type { UserRow } from '../ports/index.js';
import type { User } from './service.js';

/** How long a verified password may skip argon2, as long as the user's stored hash has not changed. */
export const VERIFIED_KEEP_MS = 15 * 60_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  user: User;
  /** The stored argon2 hash the password was verified against (changes with every new password). */
  passwordHash: string;
  /** Until then the entry is trusted without reading the user's row. */
  freshUntil: number;
  /** Until then the entry spares argon2 while the row's hash is still `passwordHash`. */
  keepUntil: number;
}

/** What a lookup found: trust it as it is (`fresh`), or only once the row's hash still matches. */
export interface Verified {
  user: User;
  passwordHash: string;
  fresh: boolean;
}

/**
 * Passwords this node verified lately, for clients that send them on every request (HTTP
 * Basic: WebDAV, Finder, Windows). Keyed by an HMAC-SHA256 of (username, password) under
 * a random key of this process, so neither a password nor a replayable digest of one is
 * kept. An entry is trusted as it is for `freshMs` (KURA_AUTH_CACHE_SECONDS, like
 * resolved tokens: a password changed or a user removed on another node is honoured here
 * within that time); after that, up to VERIFIED_KEEP_MS, it is trusted only while the
 * user's stored hash is the one it was verified against (one row read, no argon2; argon2
 * salts every hash, so any new password, even the same one, ends it). Only successes are
 * kept. A password change or removal through this node forgets the user's entries at once.
 */
export class VerifiedPasswords {
  private readonly key = randomBytes(32);
  private readonly map = new Map<string, Entry>();

  constructor(
    private readonly freshMs: number,
    private readonly now: () => number,
  ) {}

  /** The cache key of a username and password (usernames compare ignoring case). */
  keyOf(username: string, password: string): string {
    const name = username.toLowerCase();
    return createHmac('sha256', this.key).update(`${name.length}:${name}\0${password}`).digest('base64url');
  }

  get(key: string): Verified | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    const now = this.now();
    if (e.keepUntil <= now) {
      this.map.delete(key);
      return undefined;
    }
    return { user: e.user, passwordHash: e.passwordHash, fresh: now < e.freshUntil };
  }

  /** Remembers a password just verified against the stored `passwordHash` of `user` (or checked against it again). */
  remember(key: string, user: User, passwordHash: UserRow['password_hash']): void {
    const now = this.now();
    const keepUntil = this.map.get(key)?.keepUntil ?? now + VERIFIED_KEEP_MS;
    this.map.delete(key);
    if (this.map.size >= MAX_ENTRIES) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, { user, passwordHash, freshUntil: Math.min(now + this.freshMs, keepUntil), keepUntil });
  }

  forget(key: string): void {
    this.map.delete(key);
  }

  /** Drops every entry of a user (its password changed, it was removed). */
  forgetUser(userId: number): void {
    for (const [k, e] of this.map) if (e.user.id === userId) this.map.delete(k);
  }
}
