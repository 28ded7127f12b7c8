import type { Actor } from '../actor.js';
import { KuraError } from '../errors.js';
import type { MetadataStore } from '../ports/index.js';
import type { TokenService } from '../tokens/service.js';
import type { User, UserService } from '../users/service.js';

/** The label of the tokens behind browser sessions (they show in the user's token list). */
export const SESSION_LABEL = 'web';

/** A signed-in browser: the secret its cookie carries, who it is and until when. */
export interface Session {
  token: string;
  user: User;
  /** Epoch ms; the session ends then whatever happens meanwhile (no sliding renewal). */
  expiresAt: number;
}

/**
 * Browser sessions: a sign-in with username and password makes an ordinary revocable
 * token labelled `web` that expires after KURA_SESSION_SECONDS; the web face carries it in
 * a cookie (http/shared/session-cookie.ts). Being a token, a session is resolved, cached
 * and revoked like any other (decision 0005), listed with the user's tokens, and ends
 * with them (`kura user passwd --revoke-tokens`, removal).
 */
export class SessionService {
  constructor(
    private readonly store: MetadataStore,
    private readonly users: UserService,
    private readonly tokens: TokenService,
    private readonly lifetimeMs: number,
  ) {}

  /** Signs in: the failed-login limits apply as to every password check. */
  async open(username: unknown, password: unknown, opts: { client?: string } = {}): Promise<Session> {
    const user = await this.users.authenticate(username, password, opts);
    const { token, info } = await this.tokens.create(user.id, { label: SESSION_LABEL, expiresInMs: this.lifetimeMs });
    return { token, user, expiresAt: info.expiresAt! };
  }

  /** The caller's session (the token it came with): its user and expiry (null: a token that never expires). */
  async describe(actor: Actor): Promise<{ user: User; expiresAt: number | null }> {
    const t = actor.tokenId === undefined ? undefined : await this.store.tokens.byId(actor.tokenId);
    if (!t || Number(t.user_id) !== actor.userId) throw new KuraError('unauthorized', 'the session has ended', { credential: 'invalid' });
    return { user: await this.users.get(actor.userId), expiresAt: t.expires_at === null ? null : Number(t.expires_at) };
  }

  /** Signs out: revokes the token the caller came with, on this node at once (others within KURA_AUTH_CACHE_SECONDS). */
  async close(actor: Actor): Promise<void> {
    if (actor.tokenId === undefined) throw new KuraError('bad_request', 'this caller has no session to end');
    await this.tokens.revoke(actor, actor.tokenId).catch((e: unknown) => {
      // Revoked meanwhile (another tab, another node): signed out all the same.
      if (!(e instanceof KuraError && e.code === 'not_found')) throw e;
    });
  }
}
