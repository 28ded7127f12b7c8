import type { FastifyRequest } from 'fastify';
import type { KuraConfig } from '../../../config.js';
import { type Core, KuraError } from '../../../core/index.js';
import { credentialError } from '../../shared/credentials.js';
import { clearSessionCookie, csrfOf, CSRF_HEADER, sessionSecretOf, setSessionCookie } from '../../shared/session-cookie.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, userSchema } from './schemas.js';

const sessionReply = {
  type: 'object',
  properties: {
    user: userSchema,
    csrf: { type: 'string', description: `send it as the ${CSRF_HEADER} header with every request that changes something (any method but GET, HEAD, OPTIONS)` },
    expiresAt: { type: ['integer', 'null'], description: 'epoch milliseconds; the session ends then (no renewal: sign in again)' },
  },
} as const;

/** The session secret of a request the cookie authenticated; the session routes speak of nothing else. */
function sessionSecret(req: FastifyRequest): string {
  const secret = sessionSecretOf(req);
  if (secret === undefined) throw credentialError('missing', 'this request carries no session cookie (a Bearer token is not a browser session)');
  return secret;
}

/**
 * Browser sign-in (decisions/0040): `POST /session` sets the session cookie, `GET /session`
 * tells a page who is signed in and its CSRF value, `DELETE /session` signs out.
 */
export const sessionRoutes =
  (core: Core, config: KuraConfig): SchemaRoutes =>
  async (app) => {
    app.post(
      '/session',
      {
        config: { auth: 'none' },
        // A form of another site can post urlencoded, multipart or text bodies, never JSON:
        // a JSON body proves the sign-in comes from a page of Kura's own (no login CSRF).
        onRequest: async (req) => {
          if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
            throw new KuraError('unsupported_type', 'sign in with a JSON body (Content-Type: application/json)');
          }
        },
        schema: {
          tags: ['session'],
          summary: 'Sign a browser in: sets the session cookie (HttpOnly, SameSite=Strict) and answers the CSRF value',
          security: [],
          body: {
            type: 'object',
            properties: { username: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 1024 } },
            required: ['username', 'password'],
          },
          response: { 200: sessionReply, ...errors(400, 401, 415, 429) },
        },
      },
      async (req, reply) => {
        const session = await core.sessions.open(req.body.username, req.body.password, { client: req.ip });
        setSessionCookie(reply, config, session);
        reply.header('cache-control', 'no-store');
        return { user: session.user, csrf: csrfOf(session.token), expiresAt: session.expiresAt };
      },
    );

    app.get(
      '/session',
      { schema: { tags: ['session'], summary: 'The signed-in browser: its user, CSRF value and end (cookie only)', response: { 200: sessionReply, ...errors(401) } } },
      async (req, reply) => {
        const secret = sessionSecret(req);
        const { user, expiresAt } = await core.sessions.describe(req.actor);
        reply.header('cache-control', 'no-store');
        return { user, csrf: csrfOf(secret), expiresAt };
      },
    );

    app.delete(
      '/session',
      { schema: { tags: ['session'], summary: `Sign out: revokes the session and clears its cookie (needs ${CSRF_HEADER})`, response: { 204: { type: 'null' }, ...errors(401, 403) } } },
      async (req, reply) => {
        sessionSecret(req);
        await core.sessions.close(req.actor);
        clearSessionCookie(reply, config);
        reply.code(204).send();
      },
    );
  };
