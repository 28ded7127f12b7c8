import { type Core, parseDuration } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, idParam, tokenSchema, userSchema } from './schemas.js';

const credentials = {
  type: 'object',
  properties: { username: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 1024 } },
  required: ['username', 'password'],
} as const;

const tokenReply = { type: 'object', properties: { token: { type: 'string' }, user: userSchema } } as const;

export const authRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.post(
      '/auth/login',
      { config: { auth: 'none' }, schema: { tags: ['auth'], summary: 'Log in with a username and password; returns a new token', security: [], body: credentials, response: { 200: tokenReply, ...errors(400, 401) } } },
      async (req) => {
        const user = await core.users.authenticate(req.body.username, req.body.password, { client: req.ip });
        const { token } = await core.tokens.create(user.id, { label: 'login', expiresInMs: 30 * 86400e3 });
        return { token, user };
      },
    );

    app.post(
      '/auth/register',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['auth'],
          summary: 'Create an account (only when KURA_OPEN_REGISTRATION is on; a few per client address)',
          security: [],
          body: { ...credentials, properties: { ...credentials.properties, email: { type: 'string' }, realName: { type: 'string' } } },
          response: { 201: tokenReply, ...errors(400, 403, 409, 429) },
        },
      },
      async (req, reply) => {
        const user = await core.users.register({ username: req.body.username, password: req.body.password, email: req.body.email, realName: req.body.realName }, { client: req.ip });
        const { token } = await core.tokens.create(user.id, { label: 'register', expiresInMs: 30 * 86400e3 });
        reply.code(201);
        return { token, user };
      },
    );

    app.get('/me', { schema: { tags: ['auth'], summary: 'The calling user', response: { 200: userSchema, ...errors(401) } } }, async (req) => {
      return core.users.get(req.actor.userId);
    });

    app.get('/tokens', { schema: { tags: ['tokens'], summary: "The caller's tokens (secrets are never shown again)", response: { 200: { type: 'object', properties: { tokens: { type: 'array', items: tokenSchema } } }, ...errors(401) } } }, async (req) => {
      return { tokens: await core.tokens.list(req.actor.userId) };
    });

    app.post(
      '/tokens',
      {
        schema: {
          tags: ['tokens'],
          summary: 'Create a token for the caller (readOnly: a token that may only read; a read-only caller may create none)',
          body: {
            type: 'object',
            properties: {
              label: { type: 'string', maxLength: 255 },
              expires: { type: 'string', description: 'lifetime such as 30d, 12h, 90m; absent: never expires' },
              readOnly: { type: 'boolean', description: 'the token may only read: the core refuses every write made with it, in every API' },
            },
          },
          response: { 201: { type: 'object', properties: { token: { type: 'string' }, info: tokenSchema } }, ...errors(400, 401, 403) },
        },
      },
      async (req, reply) => {
        const body = req.body ?? {};
        const created = await core.tokens.create(req.actor.userId, { label: body.label, expiresInMs: body.expires ? parseDuration(body.expires) : null, readOnly: body.readOnly, by: req.actor });
        reply.code(201);
        return created;
      },
    );

    app.delete('/tokens/:id', { schema: { tags: ['tokens'], summary: 'Revoke a token', params: idParam, response: { 204: { type: 'null' }, ...errors(401, 404) } } }, async (req, reply) => {
      await core.tokens.revoke(req.actor, idOf(req.params, 'id', decimalNumberCodec));
      reply.code(204).send();
    });
  };
