import type { Core } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, idParam, itemSchema, memberSchema, spaceSchema } from './schemas.js';

const memberParams = {
  type: 'object',
  properties: { id: idParam.properties.id, userId: idParam.properties.id },
  required: ['id', 'userId'],
} as const;

export const spaceRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.get('/spaces', { schema: { tags: ['spaces'], summary: 'Spaces the caller is a member of, with usage and quota', response: { 200: { type: 'object', properties: { spaces: { type: 'array', items: spaceSchema } } }, ...errors(401) } } }, async (req) => {
      return { spaces: await core.spaces.listMine(req.actor) };
    });

    app.post(
      '/spaces',
      {
        schema: {
          tags: ['spaces'],
          summary: 'Create a group, project or chat_room space (the caller owns it unless an admin names another owner)',
          body: { type: 'object', properties: { kind: { type: 'string', enum: ['group', 'project', 'chat_room'] }, name: { type: 'string' }, ownerId: { type: 'integer' } }, required: ['kind', 'name'] },
          response: { 201: spaceSchema, ...errors(400, 401, 403) },
        },
      },
      async (req, reply) => {
        const space = await core.spaces.create(req.actor, req.body);
        reply.code(201);
        return space;
      },
    );

    app.get('/spaces/:id', { schema: { tags: ['spaces'], summary: 'A space with its usage and quota', params: idParam, response: { 200: spaceSchema, ...errors(401, 404) } } }, async (req) => {
      return core.spaces.get(req.actor, idOf(req.params, 'id', decimalNumberCodec));
    });

    app.patch(
      '/spaces/:id',
      {
        schema: {
          tags: ['spaces'],
          summary: 'Change a space’s settings (its owner and admins): publicLinks switches reads by id without a token (drive resource, …) on or off',
          params: idParam,
          body: { type: 'object', properties: { publicLinks: { type: 'boolean' } }, required: ['publicLinks'], additionalProperties: false },
          response: { 200: spaceSchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => core.spaces.setPublicLinks(req.actor, idOf(req.params, 'id', decimalNumberCodec), req.body.publicLinks),
    );

    app.get('/spaces/:id/members', { schema: { tags: ['spaces'], summary: 'Members of a space', params: idParam, response: { 200: { type: 'object', properties: { members: { type: 'array', items: memberSchema } } }, ...errors(401, 404) } } }, async (req) => {
      return { members: await core.spaces.members(req.actor, idOf(req.params, 'id', decimalNumberCodec)) };
    });

    app.put(
      '/spaces/:id/members/:userId',
      {
        schema: {
          tags: ['spaces'],
          summary: "Add a member or change a member's role (space owners and admins)",
          params: memberParams,
          body: { type: 'object', properties: { role: { type: 'string', enum: ['admin', 'member', 'viewer', 'owner'] } }, required: ['role'] },
          response: { 200: { type: 'object', properties: { members: { type: 'array', items: memberSchema } } }, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        return { members: await core.spaces.setMember(req.actor, idOf(req.params, 'id', decimalNumberCodec), idOf(req.params, 'userId', decimalNumberCodec), req.body.role) };
      },
    );

    app.delete(
      '/spaces/:id/members/:userId',
      { schema: { tags: ['spaces'], summary: 'Remove a member', params: memberParams, response: { 204: { type: 'null' }, ...errors(401, 403, 404, 409) } } },
      async (req, reply) => {
        await core.spaces.removeMember(req.actor, idOf(req.params, 'id', decimalNumberCodec), idOf(req.params, 'userId', decimalNumberCodec));
        reply.code(204).send();
      },
    );

    app.put(
      '/spaces/:id/quota',
      {
        schema: {
          tags: ['spaces'],
          summary: 'Set the quota of a space (Kura admins); null means unlimited',
          params: idParam,
          body: { type: 'object', properties: { bytes: { type: ['integer', 'null'], minimum: 0 }, files: { type: ['integer', 'null'], minimum: 0 } } },
          response: { 200: spaceSchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => {
        return core.spaces.setQuota(req.actor, idOf(req.params, 'id', decimalNumberCodec), req.body ?? {});
      },
    );

    app.get('/spaces/:id/root', { schema: { tags: ['spaces'], summary: 'The root folder of a space', params: idParam, response: { 200: itemSchema, ...errors(401, 404) } } }, async (req) => {
      const space = await core.spaces.get(req.actor, idOf(req.params, 'id', decimalNumberCodec));
      return core.items.get(req.actor, space.rootId);
    });
  };
