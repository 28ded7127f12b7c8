import type { Core } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, idParam } from './schemas.js';

const entrySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    itemId: { type: 'integer' },
    actorType: { type: 'integer', description: '0 user, 1 members of a group space, 2 space role' },
    actorId: { type: 'integer', description: 'user id, space id, or role (1 admin, 2 member, 3 viewer)' },
    mask: { type: 'integer', description: 'rights bits (see docs/architecture.md), -1 inherit' },
    createdBy: { type: 'integer' },
    createdAt: { type: 'integer' },
  },
} as const;

export const aclRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.get(
      '/items/:id/acl',
      { schema: { tags: ['acl'], summary: 'Access entries set on an item', params: idParam, response: { 200: { type: 'object', properties: { entries: { type: 'array', items: entrySchema } } }, ...errors(401, 404) } } },
      async (req) => {
        return { entries: await core.acl.list(req.actor, idOf(req.params, 'id', decimalNumberCodec)) };
      },
    );

    app.post(
      '/items/:id/acl',
      {
        schema: {
          tags: ['acl'],
          summary: 'Add an access entry (needs the edit-permissions right); it replaces the role rights of that actor from this item down',
          params: idParam,
          body: { type: 'object', properties: { actorType: { type: 'integer' }, actorId: { type: 'integer' }, mask: { type: 'integer' } }, required: ['actorType', 'actorId', 'mask'], additionalProperties: false },
          response: { 201: entrySchema, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        const entry = await core.acl.add(req.actor, idOf(req.params, 'id', decimalNumberCodec), req.body);
        reply.code(201);
        return entry;
      },
    );

    app.patch(
      '/acl/:id',
      {
        schema: {
          tags: ['acl'],
          summary: "Change an access entry's mask",
          params: idParam,
          body: { type: 'object', properties: { mask: { type: 'integer' } }, required: ['mask'], additionalProperties: false },
          response: { 200: entrySchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => {
        return core.acl.modify(req.actor, idOf(req.params, 'id', decimalNumberCodec), req.body.mask);
      },
    );

    app.delete(
      '/acl/:id',
      { schema: { tags: ['acl'], summary: 'Remove an access entry', params: idParam, response: { 204: { type: 'null' }, ...errors(401, 403, 404) } } },
      async (req, reply) => {
        await core.acl.remove(req.actor, idOf(req.params, 'id', decimalNumberCodec));
        reply.code(204).send();
      },
    );
  };
