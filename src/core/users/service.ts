import type { Actor } from '../actor.js';
import type { UserRole } from '../domain.js';
import { badRequest, KuraError } from '../errors.js';
import { newId } from '../ids.js';
import { UniqueViolation, type MetadataStore, type UserRow } from '../ports/index.js';
import { release } from '../resumable/holds.js';
import { createSpaceTx, type SpaceService } from '../spaces/service.js';
import type { RateLimiter, Rule } from '../limits/limiter.js';
import { isCommonPassword } from './common-passwords.js';
import { burnVerify, checkPasswordHash, hashPassword, verifyPassword, type PasswordCost } from './passwords.js';
import { VerifiedPasswords } from './verified-passwords.js';

export interface User {
  id: number;
  username: string;
  realName: string;
  email: string;
  phone: string;
  role: UserRole;
  createdAt: number;
}

export interface NewUser {
  username: string;
  password: string;
  role?: UserRole;
  email?: string;
  realName?: string;
  phone?: string;
}

/** A new user whose password was hashed elsewhere (`kura user add --password-hash`, test fixtures). */
export type NewHashedUser = Omit<NewUser, 'password'> & { passwordHash: string };

export const toUser = (r: UserRow): User => ({
  id: Number(r.id),
  username: r.username,
  realName: r.real_name,
  email: r.email,
  phone: r.phone,
  role: r.role,
  createdAt: Number(r.created_at),
});

/** Failed sign-ins: per client address, and per account (which also slows a spread-out guesser). */
export const FAILED_LOGINS_PER_CLIENT: Rule = { name: 'login-fail-ip', limit: 20, windowMs: 10 * 60_000, message: 'too many failed sign-ins from this address; try again later' };
export const FAILED_LOGINS_PER_ACCOUNT: Rule = { name: 'login-fail-user', limit: 10, windowMs: 10 * 60_000, message: 'too many failed sign-ins for this account; try again later' };
/** Open registration: accounts asked for per client address (each costs a password hash). */
export const REGISTRATIONS_PER_CLIENT: Rule = { name: 'register-ip', limit: 5, windowMs: 10 * 60_000, message: 'too many accounts made from this address; try again later' };

/** What the server allows around accounts (from the configuration). */
export interface AccountPolicy {
  /** Whether anyone may make an account (`register`). */
  openRegistration: boolean;
  /** The byte quota of every new account's personal space; null: none. */
  defaultQuotaBytes: number | null;
  /** The argon2id cost of new password hashes (KURA_PASSWORD_COST; default the library's). */
  passwordCost?: PasswordCost;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The fewest characters of a password, and of what is left of it without its username. */
const MIN_PASSWORD = 8;

/**
 * A password of 8 to 1024 characters that is not common, not one repeated character, not
 * blank, and (given the username) keeps 8 characters once every copy of the username (in
 * any case) is taken out: `weak6weak6` or `alice2024` for `alice` are refused.
 */
export function checkPassword(p: unknown, username?: string): string {
  if (typeof p !== 'string') throw badRequest('password must be a string', { field: 'password' });
  if (p.length < MIN_PASSWORD) throw badRequest(`password must have at least ${MIN_PASSWORD} characters`, { field: 'password' });
  if (p.length > 1024) throw badRequest('password is longer than 1024 characters', { field: 'password' });
  if (isCommonPassword(p)) throw badRequest('password is too easy to guess (a common password, one repeated character, or only spaces)', { field: 'password' });
  if (username && p.toLowerCase().split(username.toLowerCase()).join('').length < MIN_PASSWORD) {
    throw badRequest(`password is too easy to guess: it needs ${MIN_PASSWORD} characters besides the username`, { field: 'password' });
  }
  return p;
}

function optionalText(v: unknown, field: string, max: number): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw badRequest(`${field} must be a string`, { field });
  if (v.length > max) throw badRequest(`${field} is longer than ${max} characters`, { field });
  return v;
}

/** What `remove` would do to a user (see `removalPlan`). */
export interface RemovalPlan {
  user: User;
  /** The personal space, purged with the user. */
  personal: { id: number; files: number; bytes: number } | null;
  tokens: number;
  /** Spaces of others the user leaves. */
  memberships: { id: number; name: string }[];
  /** Spaces the user owns besides its personal one: removal is refused until they change hands. */
  owned: { id: number; kind: string; name: string }[];
}

export class UserService {
  constructor(
    private readonly store: MetadataStore,
    private readonly spaces: SpaceService,
    private readonly limiter: RateLimiter,
    private readonly now: () => number,
    private readonly policy: AccountPolicy = { openRegistration: false, defaultQuotaBytes: null },
    /** Passwords verified lately, for `authenticate(…, { remember: true })` (default: trusted for 5 s). */
    private readonly verified: VerifiedPasswords = new VerifiedPasswords(5000, now),
  ) {}

  /** The new account's fields, checked (no hash yet: that is the expensive part). */
  private checked(input: NewUser | NewHashedUser): Omit<UserRow, 'password_hash'> & { secret: { password: string } | { passwordHash: string } } {
    if (typeof input.username !== 'string' || !USERNAME.test(input.username)) {
      throw badRequest('username must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit', { field: 'username' });
    }
    const secret = 'passwordHash' in input ? { passwordHash: checkPasswordHash(input.passwordHash) } : { password: checkPassword(input.password, input.username) };
    const email = optionalText(input.email, 'email', 255);
    if (email && !/^[^\s@]+@[^\s@]+$/.test(email)) throw badRequest('email is not an e-mail address', { field: 'email' });
    const role = input.role ?? 'user';
    if (role !== 'admin' && role !== 'user') throw badRequest('role must be admin or user', { field: 'role' });
    return {
      id: newId(),
      username: input.username,
      real_name: optionalText(input.realName, 'realName', 255),
      email,
      phone: optionalText(input.phone, 'phone', 64),
      secret,
      role,
      created_at: this.now(),
    };
  }

  /**
   * Creates a user and its personal space, in one transaction. The space gets the default
   * quota (KURA_DEFAULT_QUOTA_BYTES) whoever makes the account: registration, the CLI, an admin.
   * With `passwordHash` (an argon2id hash, see checkPasswordHash) nothing is hashed here.
   */
  async create(input: NewUser | NewHashedUser): Promise<User> {
    return this.insert(this.checked(input));
  }

  /**
   * Open registration (KURA_OPEN_REGISTRATION): a plain user made by anyone. Requests that
   * reach the password hash are counted per client address in the database (shared by every
   * node); past the limit the answer is rate_limited at once, without hashing anything.
   */
  async register(input: Omit<NewUser, 'role'>, opts: { client: string }): Promise<User> {
    if (!this.policy.openRegistration) throw new KuraError('forbidden', 'registration is closed on this server');
    // Named fields only: a registrant brings a password, never a hash.
    const fields = this.checked({ username: input.username, password: input.password, email: input.email, realName: input.realName, phone: input.phone, role: 'user' });
    await this.limiter.hit(REGISTRATIONS_PER_CLIENT, opts.client);
    return this.insert(fields);
  }

  private async insert(fields: ReturnType<UserService['checked']>): Promise<User> {
    const { secret, ...rest } = fields;
    const row: UserRow = { ...rest, password_hash: 'passwordHash' in secret ? secret.passwordHash : await hashPassword(secret.password, this.policy.passwordCost) };
    try {
      await this.store.transaction(async (tx) => {
        await tx.users.insert(row);
        await createSpaceTx(tx, { kind: 'personal', name: row.username, ownerId: row.id, quotaBytes: this.policy.defaultQuotaBytes }, this.now());
      });
    } catch (e) {
      if (e instanceof UniqueViolation) throw new KuraError('conflict', `user "${row.username}" already exists`);
      throw e;
    }
    return toUser(row);
  }

  async get(id: number): Promise<User> {
    const r = await this.store.users.byId(id);
    if (!r) throw new KuraError('not_found', 'user not found');
    return toUser(r);
  }

  async byName(username: string): Promise<User> {
    const r = await this.store.users.byName(username);
    if (!r) throw new KuraError('not_found', `user "${username}" not found`);
    return toUser(r);
  }

  /** Users by id, for rendering creators and modifiers (missing ids are simply absent). */
  async many(ids: Iterable<number>): Promise<Map<number, User>> {
    const rows = await this.store.users.byIds([...new Set(ids)]);
    return new Map(rows.map((r) => [Number(r.id), toUser(r)]));
  }

  async list(): Promise<User[]> {
    return (await this.store.users.list()).map(toUser);
  }

  /** Whether any user exists yet (the start banner's hint to create the first one). */
  any(): Promise<boolean> {
    return this.store.users.any();
  }

  /**
   * Checks a username and password; one error for a wrong name or a wrong password. Failed
   * attempts are counted per client address and per account (in the database, so every
   * node sees them); past either limit every attempt answers rate_limited, right or wrong,
   * without a hash being computed.
   *
   * `remember` (HTTP Basic, where a client sends the password with every request): a
   * password this node verified lately is accepted without argon2 (verified-passwords.ts).
   * Such a hit proves the exact password again, so it is not a guess: it skips the
   * failed-login limiter. Anything else (a wrong password, an entry the stored hash no
   * longer matches) takes the whole path above, and only a success is remembered.
   */
  async authenticate(username: unknown, password: unknown, opts: { client?: string; remember?: boolean } = {}): Promise<User> {
    if (typeof username !== 'string' || typeof password !== 'string' || username.length > 64 || password.length > 1024) {
      throw badRequest('username and password must be strings');
    }
    const key = opts.remember ? this.verified.keyOf(username, password) : undefined;
    if (key !== undefined) {
      const hit = await this.recall(key, username);
      if (hit) return hit;
    }
    if (opts.client) await this.limiter.check(FAILED_LOGINS_PER_CLIENT, opts.client);
    // No account has such a name (any face, Basic credentials included): counted against
    // the address only, and never looked up (a NUL would be an error on PostgreSQL).
    if (!USERNAME.test(username)) {
      if (opts.client) await this.limiter.record(FAILED_LOGINS_PER_CLIENT, opts.client);
      throw new KuraError('unauthorized', 'wrong username or password', { credential: 'invalid' });
    }
    const account = username.toLowerCase();
    await this.limiter.check(FAILED_LOGINS_PER_ACCOUNT, account);
    const r = await this.store.users.byName(username);
    const ok = r ? await verifyPassword(r.password_hash, password) : (await burnVerify(password, this.policy.passwordCost), false);
    if (!r || !ok) {
      if (opts.client) await this.limiter.record(FAILED_LOGINS_PER_CLIENT, opts.client);
      await this.limiter.record(FAILED_LOGINS_PER_ACCOUNT, account);
      throw new KuraError('unauthorized', 'wrong username or password', { credential: 'invalid' });
    }
    const user = toUser(r);
    if (key !== undefined) this.verified.remember(key, user, r.password_hash);
    return user;
  }

  /** The user behind a remembered password: as kept while fresh, else while its stored hash is unchanged. */
  private async recall(key: string, username: string): Promise<User | undefined> {
    const hit = this.verified.get(key);
    if (!hit) return undefined;
    if (hit.fresh) return hit.user;
    const r = await this.store.users.byName(username);
    if (!r || Number(r.id) !== hit.user.id || r.password_hash !== hit.passwordHash) {
      this.verified.forget(key);
      return undefined;
    }
    const user = toUser(r);
    this.verified.remember(key, user, r.password_hash);
    return user;
  }

  async setPassword(id: number, password: string): Promise<void> {
    const user = await this.get(id);
    const hash = await hashPassword(checkPassword(password, user.username), this.policy.passwordCost);
    if (!(await this.store.users.setPasswordHash(id, hash))) throw new KuraError('not_found', 'user not found');
    this.verified.forgetUser(id);
  }

  /** What removing a user would delete, and the spaces that stand in its way. */
  async removalPlan(id: number): Promise<RemovalPlan> {
    const user = await this.get(id);
    const spaces = await this.store.spaces.ofUser(id);
    const personal = spaces.find((s) => s.kind === 'personal' && Number(s.owner_id) === id);
    return {
      user,
      personal: personal ? { id: Number(personal.id), files: Number(personal.used_files), bytes: Number(personal.used_bytes) } : null,
      tokens: (await this.store.tokens.ofUser(id)).length,
      memberships: spaces.filter((s) => s !== personal && Number(s.owner_id) !== id).map((s) => ({ id: Number(s.id), name: s.name })),
      owned: (await this.store.spaces.ownedBy(id)).filter((s) => s.kind !== 'personal').map((s) => ({ id: Number(s.id), kind: s.kind, name: s.name })),
    };
  }

  /**
   * Removes a user with its tokens, memberships, upload sessions (their reservations given
   * back) and personal space (its items are purged). Refused while the user owns other
   * spaces: hand them over first.
   */
  async remove(id: number): Promise<void> {
    const owned = (await this.store.spaces.ownedBy(id)).filter((s) => s.kind !== 'personal');
    if (owned.length > 0) {
      throw new KuraError('conflict', `user owns spaces ${owned.map((s) => `"${s.name}" (${s.id})`).join(', ')}; remove them or give them another owner first`);
    }
    const personal = await this.store.spaces.personalOf(id);
    if (personal) await this.spaces.remove(Number(personal.id));
    await this.store.transaction(async (tx) => {
      for (const s of await tx.uploads.ofUser(id)) if (await tx.uploads.delete(s.id)) await release(tx, s);
      await tx.users.delete(id);
    });
    this.verified.forgetUser(id);
  }

  /** The actor of a user id (for the CLI and for tests). */
  async actorOf(id: number): Promise<Actor> {
    const u = await this.get(id);
    return { userId: u.id, role: u.role };
  }
}
