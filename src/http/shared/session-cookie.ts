import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KuraConfig } from '../../config.js';
import { KuraError, type Session } from '../../core/index.js';
import type { CredentialStrategy } from './credentials.js';

/**
 * Browser sessions (decisions/0040): the session's token in a cookie the page's scripts
 * cannot read (HttpOnly), that no other site's request carries (SameSite=Strict), sent only
 * over TLS when PUBLIC_URL is https (Secure, and then the `__Host-` name, which a sibling
 * subdomain or a plain-HTTP answer cannot set). Writes with it need the session's CSRF
 * value in a header, which another site can neither read nor send.
 */

/** The header a write authenticated by the session cookie must carry. */
export const CSRF_HEADER = 'X-Kura-CSRF';
const csrfHeader = CSRF_HEADER.toLowerCase();

/** Methods that change nothing: no CSRF value needed. */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

interface CookieRules {
  name: string;
  secure: boolean;
}

/** Where the session cookie lives for this configuration: Secure (and `__Host-`) when PUBLIC_URL is https. */
export function cookieRules(config: KuraConfig): CookieRules {
  const secure = config.publicUrlSet && config.publicUrl.startsWith('https:');
  return { name: secure ? '__Host-kura-session' : 'kura-session', secure };
}

/**
 * The CSRF value of a session: derived from its secret (SHA-256 under a label), so every
 * node computes it without shared state, it is bound to this one session, and it reveals
 * nothing of the secret. Only a page of Kura's own origin learns it (GET /api/v1/session).
 */
export const csrfOf = (secret: string): string => createHash('sha256').update('kura-csrf\0').update(secret).digest('base64url');

function sameValue(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of cookie `name` in a Cookie header (the first, if a client sent it twice). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const v = part.slice(eq + 1).trim();
    return v === '' ? undefined : v;
  }
  return undefined;
}

/** Requests whose caller the session cookie decided, with the session's secret. */
const sessions = new WeakMap<FastifyRequest, string>();

/** The secret of the session cookie that authenticated this request, if the cookie did. */
export const sessionSecretOf = (req: FastifyRequest): string | undefined => sessions.get(req);

/**
 * The session cookie as a credential strategy. A request with an Authorization header is
 * judged by that header alone (a Bearer token beside the cookie decides; the cookie is
 * ignored). Every method but GET, HEAD and OPTIONS needs the session's CSRF value in
 * `X-Kura-CSRF`: without it, or with another, 403 before the body is read.
 */
export function sessionCookie(config: KuraConfig): CredentialStrategy {
  const { name } = cookieRules(config);
  return {
    hint: `a session cookie (POST /api/v1/session)`,
    find(req) {
      if (req.headers.authorization !== undefined) return undefined;
      return cookieValue(req.headers.cookie, name);
    },
    async resolve(core, secret, req) {
      const actor = await core.tokens.resolve(secret);
      if (!SAFE.has(req.method)) {
        const given = req.headers[csrfHeader];
        if (typeof given !== 'string' || given === '') {
          throw new KuraError('forbidden', `a change made with the session cookie needs the ${CSRF_HEADER} header (its value comes with the session: GET /api/v1/session)`, { csrf: 'missing' });
        }
        if (!sameValue(given, csrfOf(secret))) throw new KuraError('forbidden', `the ${CSRF_HEADER} header does not belong to this session`, { csrf: 'wrong' });
      }
      sessions.set(req, secret);
      return actor;
    },
  };
}

/** Sets the session cookie on an answer (sign-in). */
export function setSessionCookie(reply: FastifyReply, config: KuraConfig, session: Session): void {
  const { name, secure } = cookieRules(config);
  // The session was just made: it lasts KURA_SESSION_SECONDS, and so does the cookie.
  reply.header('set-cookie', `${name}=${session.token}; Path=/; Max-Age=${config.sessionSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
}

/** Tells the browser to drop the session cookie (sign-out). */
export function clearSessionCookie(reply: FastifyReply, config: KuraConfig): void {
  const { name, secure } = cookieRules(config);
  reply.header('set-cookie', `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
}
