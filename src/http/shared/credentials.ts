import type { FastifyRequest } from 'fastify';
import { type Actor, type Core, KuraError } from '../../core/index.js';
import { bodyParams, type Params } from './params.js';

/** Why a credential was refused, in the error's details: `{credential: …}`. */
export type CredentialProblem = 'missing' | 'invalid' | 'expired';

/** An unauthorized error that says why (OneBot answers 401 for missing, 403 for the rest). */
export const credentialError = (problem: CredentialProblem, message: string): KuraError => new KuraError('unauthorized', message, { credential: problem });

/**
 * One way a dialect's clients send who they are. A dialect lists strategies in order; the
 * first that finds a credential in the request decides (a wrong one is not retried with the
 * next). `find` runs on every authenticated request: it reads headers or parameters without
 * copying them.
 */
export interface CredentialStrategy {
  /** What a client sends, for the message of a missing credential ("an Authorization: Bearer <token> header"). */
  readonly hint: string;
  /**
   * The body field (form, JSON, multipart) this strategy may find the credential in, if
   * any. Such a body is read through a gate that judges the credential as soon as it comes
   * (caller.ts); every other credential is judged before the body is read.
   */
  readonly bodyField?: string;
  /**
   * The credential this strategy sees in the request, or undefined. `fields` are the
   * multipart fields read so far over the query string, when the body is multipart.
   */
  find(req: FastifyRequest, fields?: Params): string | undefined;
  /** The caller the credential stands for; refusals are unauthorized errors. */
  resolve(core: Core, credential: string, req: FastifyRequest): Promise<Actor>;
}

const resolveToken = (core: Core, token: string): Promise<Actor> => core.tokens.resolve(token);

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = BEARER.exec(h);
  return m ? m[1] : undefined;
}

/** `Authorization: Bearer <token>` (native, social, media). */
export const bearer = (): CredentialStrategy => ({
  hint: 'an Authorization: Bearer <token> header',
  find: bearerToken,
  resolve: resolveToken,
});

/**
 * A token in a named parameter (drive `UserToken`): the query string, else a multipart
 * field, the urlencoded form or JSON body. One in the query string is judged before the
 * body is read, so it decides; empty or non-text values are no credential.
 */
export function namedParam(name: string): CredentialStrategy {
  return {
    hint: `a ${name} parameter`,
    bodyField: name,
    find(req, fields) {
      let v: unknown;
      if (fields) v = fields[name];
      else {
        const body = bodyParams(req);
        v = body && Object.hasOwn(body, name) ? body[name] : (req.query as Params | undefined)?.[name];
      }
      return typeof v === 'string' && v !== '' ? v : undefined;
    },
    resolve: resolveToken,
  };
}

/** The whole `Authorization` header is the token (10Centuries: `Authorization: <token>`). */
export const bareAuthorization = (): CredentialStrategy => ({
  hint: 'an Authorization: <token> header',
  find(req) {
    const v = req.headers.authorization?.trim();
    return v && !/\s/.test(v) ? v : undefined;
  },
  resolve: resolveToken,
});

const ONEBOT_SCHEME = /^(?:Bearer|Token)\s+(\S+)\s*$/i;

/**
 * The OneBot 11 `access_token`: an `Authorization: Bearer` header (or `Token`, as CQHTTP
 * and the Koishi/Satori adapters send it), else `?access_token=`.
 */
export const oneBotAccessToken = (): CredentialStrategy => ({
  hint: 'an access_token (Authorization: Bearer <token> header or access_token query parameter)',
  find(req) {
    const auth = req.headers.authorization;
    const m = auth ? ONEBOT_SCHEME.exec(auth) : null;
    if (m) return m[1];
    const q = (req.query as Params | undefined)?.access_token;
    return typeof q === 'string' && q !== '' ? q : undefined;
  },
  resolve: resolveToken,
});

/** Tokens are `kura_…` (core/tokens): a Basic password that does not look like one is never used as a token key. */
const TOKEN_PREFIX = 'kura_';
const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i;

/**
 * HTTP Basic (WebDAV): username and password, or username and one of that user's tokens as
 * the password (for clients that keep a password in clear: a revocable token instead). A
 * token of another user is refused. Such clients send the password with every request: a
 * password this node verified lately is accepted without argon2 (the core's
 * `authenticate(…, { remember: true })`, core/users/verified-passwords.ts).
 */
export const basic = (): CredentialStrategy => ({
  hint: 'HTTP Basic credentials (Authorization: Basic …)',
  find(req) {
    const h = req.headers.authorization;
    if (!h) return undefined;
    const m = BASIC.exec(h);
    return m ? m[1] : undefined;
  },
  async resolve(core, encoded, req) {
    const text = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) throw credentialError('invalid', 'malformed Basic credentials');
    const username = text.slice(0, colon);
    const secret = text.slice(colon + 1);
    if (username.length > 64 || secret.length > 1024) throw credentialError('invalid', 'wrong username or password');
    if (secret.startsWith(TOKEN_PREFIX)) {
      const actor = await core.tokens.resolve(secret).catch((e: unknown) => {
        // An expired token is refused as such; an unknown one may still be a password.
        if (problemOf(e) === 'expired') throw e;
        return undefined;
      });
      if (actor) {
        const owner = await core.users.get(actor.userId).catch(() => undefined);
        if (owner?.username !== username) throw credentialError('invalid', 'the token does not belong to this user');
        return actor;
      }
    }
    const user = await core.users.authenticate(username, secret, { client: req.ip, remember: true });
    return { userId: user.id, role: user.role };
  },
});

/** What was wrong with a refused credential, as the core says it (`details.credential`); else invalid. */
export function problemOf(e: unknown): CredentialProblem {
  const given = e instanceof KuraError ? e.details?.credential : undefined;
  return given === 'missing' || given === 'invalid' || given === 'expired' ? given : 'invalid';
}
