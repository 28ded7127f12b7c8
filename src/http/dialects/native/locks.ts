import type { FastifyRequest } from 'fastify';
import { badRequest, type Core, type Lock } from '../../../core/index.js';
import { conditionsOf, lockTokens } from '../../shared/conditions.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, idParam } from './schemas.js';

/** 0: the item alone; 'infinity': a folder with everything below it. */
const depth = { anyOf: [{ type: 'integer', enum: [0] }, { type: 'string', enum: ['infinity'] }] } as const;

const lockSchema = {
  type: 'object',
  properties: {
    token: { type: 'string', description: 'the lock token (opaquelocktoken:…): send it as `Lock-Token: <token>` with writes; useful to its owner only' },
    itemId: { type: 'integer', description: 'the item locked (for a lock of a folder above: that folder)' },
    ownerId: { type: 'integer' },
    owner: { type: 'string', description: 'what the client said about the owner, as sent' },
    scope: { type: 'string', enum: ['exclusive', 'shared'] },
    depth,
    timeoutSeconds: { type: 'integer' },
    createdAt: { type: 'integer' },
    expiresAt: { type: 'integer', description: 'epoch milliseconds; a lock not refreshed by then is ignored' },
  },
} as const;

const timeout = { type: ['integer', 'null'], minimum: 1, description: 'seconds (null or absent: the longest allowed, KURA_LOCK_MAX_SECONDS)' } as const;

/** The one token a lock request names in its Lock-Token header (required or optional). */
function oneToken(req: FastifyRequest, required: boolean): string | undefined {
  const v = req.headers['lock-token'];
  if (v === undefined || (typeof v === 'string' && v.trim() === '')) {
    if (required) throw badRequest('send the lock token in a Lock-Token header', { header: 'Lock-Token' });
    return undefined;
  }
  const tokens = lockTokens(Array.isArray(v) ? v.join(',') : v);
  if (tokens.length !== 1) throw badRequest('name one lock token in the Lock-Token header', { header: 'Lock-Token' });
  return tokens[0];
}

/**
 * Locks on items (the core's LockService): take, list, refresh, release or break. Writes to a
 * locked item need its token in `Lock-Token` (conditions.ts), in every face.
 */
export const lockRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.get(
      '/items/:id/lock',
      {
        schema: {
          tags: ['locks'],
          summary: 'The live locks that apply to an item: its own and the depth-infinity locks of the folders above it',
          params: idParam,
          response: { 200: { type: 'object', properties: { locks: { type: 'array', items: lockSchema } } }, ...errors(401, 404) },
        },
      },
      async (req) => ({ locks: await core.locks.list(req.actor, idOf(req.params, 'id', decimalNumberCodec)) }),
    );

    app.post(
      '/items/:id/lock',
      {
        schema: {
          tags: ['locks'],
          summary: 'Lock an item (needs the right to edit it): exclusive (default) or shared, depth infinity (default) or 0; answers the lock and its token in Lock-Token (If-Match judged first)',
          params: idParam,
          body: {
            type: ['object', 'null'],
            properties: { scope: { type: 'string', enum: ['exclusive', 'shared'] }, depth, timeout, owner: { type: 'string', maxLength: 4096 } },
            additionalProperties: false,
          },
          response: { 201: lockSchema, ...errors(400, 401, 403, 404, 409, 412, 423) },
        },
      },
      async (req, reply) => {
        const b = req.body ?? {};
        const lock = await core.locks.take(req.actor, idOf(req.params, 'id', decimalNumberCodec), { scope: b.scope, depth: b.depth, timeoutSeconds: b.timeout, owner: b.owner }, { conditions: conditionsOf(req) });
        reply.code(201).header('lock-token', `<${lock.token}>`);
        return lock;
      },
    );

    app.post(
      '/items/:id/lock/refresh',
      {
        schema: {
          tags: ['locks'],
          summary: 'Extend your lock (named by Lock-Token) on this item or a folder above it by a new timeout',
          params: idParam,
          body: { type: ['object', 'null'], properties: { timeout }, additionalProperties: false },
          response: { 200: lockSchema, ...errors(400, 401, 403, 404, 412) },
        },
      },
      async (req): Promise<Lock> => {
        const token = oneToken(req, true)!;
        return core.locks.refresh(req.actor, idOf(req.params, 'id', decimalNumberCodec), token, req.body?.timeout);
      },
    );

    app.delete(
      '/items/:id/lock',
      {
        schema: {
          tags: ['locks'],
          summary: 'Release your lock named by Lock-Token; without one, break every lock taken on the item (the space owner or a Kura admin, who may also break one by its token)',
          params: idParam,
          response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        await core.locks.release(req.actor, idOf(req.params, 'id', decimalNumberCodec), oneToken(req, false));
        reply.code(204).send();
      },
    );
  };
