import { createHash } from 'node:crypto';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { assertWriter } from '../guard/guard.js';
import { newId, newSecret } from '../ids.js';
import type { MetadataStore } from '../ports/index.js';
import { TtlCache } from '../ttl-cache.js';

export interface TokenInfo {
  id: number;
  userId: number;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  /** The token's callers may only read: the core refuses their writes. */
  readOnly: boolean;
}

const PREFIX = 'kura_';
const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** "30d", "12h", "90m", "3600s" → milliseconds. */
export function parseDuration(v: string): number {
  const m = /^(\d{1,9})([smhdw])$/.exec(v.trim());
  if (!m) throw badRequest(`"${v}" is not a duration such as 30d, 12h, 90m or 3600s`, { field: 'expires' });
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}

interface Resolved {
  actor: Actor;
  expiresAt: number | null;
}

/**
 * Opaque bearer tokens, stored only as SHA-256 hashes. Resolved tokens are cached in this
 * process for a few seconds (KURA_AUTH_CACHE_SECONDS) so the hot read path needs no
 * database round trip; a revocation on this node takes effect at once, on other nodes
 * within that time.
 */
export class TokenService {
  private readonly cache: TtlCache<string, Resolved | null>;
  private readonly lastTouch = new Map<number, number>();

  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number,
    cacheSeconds: number,
  ) {
    this.cache = new TtlCache(10_000, cacheSeconds * 1000, now);
  }

  /**
   * Makes a token for a user. `readOnly`: its callers may only read. `by`: the caller asking
   * (a read-only caller may make no token: it would be a way out of being read-only).
   */
  async create(userId: number, opts: { label?: unknown; expiresInMs?: number | null; readOnly?: unknown; by?: Actor } = {}): Promise<{ token: string; info: TokenInfo }> {
    assertWriter(opts.by);
    const readOnly = opts.readOnly ?? false;
    if (typeof readOnly !== 'boolean') throw badRequest('readOnly must be true or false', { field: 'readOnly' });
    const label = opts.label ?? '';
    if (typeof label !== 'string' || label.length > 255) throw badRequest('label must be a string of at most 255 characters', { field: 'label' });
    const exp = opts.expiresInMs ?? null;
    if (exp !== null && (!Number.isSafeInteger(exp) || exp <= 0)) throw badRequest('expiry must be in the future', { field: 'expires' });
    const token = PREFIX + newSecret(32);
    const now = this.now();
    const row = { id: newId(), user_id: userId, label, token_hash: hashSecret(token), created_at: now, last_used_at: null, expires_at: exp === null ? null : now + exp, read_only: readOnly ? 1 : 0 };
    await this.store.tokens.insert(row);
    return { token, info: { id: row.id, userId, label, createdAt: now, lastUsedAt: null, expiresAt: row.expires_at, readOnly } };
  }

  async list(userId: number): Promise<TokenInfo[]> {
    return (await this.store.tokens.ofUser(userId)).map((t) => ({
      id: Number(t.id),
      userId: Number(t.user_id),
      label: t.label,
      createdAt: Number(t.created_at),
      lastUsedAt: t.last_used_at === null ? null : Number(t.last_used_at),
      expiresAt: t.expires_at === null ? null : Number(t.expires_at),
      readOnly: Number(t.read_only) === 1,
    }));
  }

  /**
   * Revokes a token. A user revokes its own; a Kura admin (or the CLI, actor null) any. A
   * read-only token may revoke only itself (signing out).
   */
  async revoke(actor: Actor | null, id: number): Promise<void> {
    if (actor?.tokenId !== id) assertWriter(actor);
    const t = await this.store.tokens.byId(id);
    if (!t || (actor && actor.role !== 'admin' && Number(t.user_id) !== actor.userId)) throw new KuraError('not_found', 'token not found');
    await this.store.tokens.delete(id);
    this.cache.clear();
  }

  /** Revokes every token of a user (password changes, compromised accounts); how many. */
  async revokeAll(userId: number): Promise<number> {
    const n = await this.store.tokens.deleteOfUser(userId);
    this.cache.clear();
    return n;
  }

  /** The actor a bearer secret stands for; unauthorized when unknown or expired. */
  async resolve(secret: string): Promise<Actor> {
    const now = this.now();
    let hit = this.cache.get(secret);
    if (hit === undefined) {
      const row = secret.startsWith(PREFIX) && secret.length < 200 ? await this.store.tokens.withUser(hashSecret(secret)) : undefined;
      hit = row
        ? { actor: { userId: Number(row.user_id), role: row.role, tokenId: Number(row.token_id), ...(Number(row.read_only) === 1 ? { readOnly: true } : {}) }, expiresAt: row.expires_at === null ? null : Number(row.expires_at) }
        : null;
      this.cache.set(secret, hit);
    }
    if (!hit) throw new KuraError('unauthorized', 'invalid token', { credential: 'invalid' });
    if (hit.expiresAt !== null && hit.expiresAt <= now) throw new KuraError('unauthorized', 'token expired', { credential: 'expired' });
    this.touch(hit.actor.tokenId!, now);
    return hit.actor;
  }

  /** Records last use at most once a minute per token, off the request's path. */
  private touch(id: number, now: number): void {
    const last = this.lastTouch.get(id) ?? 0;
    if (now - last < 60_000) return;
    this.lastTouch.set(id, now);
    if (this.lastTouch.size > 10_000) this.lastTouch.clear();
    this.store.tokens.touch(id, now).catch(() => undefined);
  }
}
