import type { Core } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, idParam } from './schemas.js';

const favoriteSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    itemId: { type: 'integer' },
    itemName: { type: 'string' },
    spaceId: { type: 'integer' },
    userId: { type: 'integer' },
    tags: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'integer' },
  },
} as const;
const listReply = { type: 'object', properties: { favorites: { type: 'array', items: favoriteSchema } } } as const;

export const favoriteRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.get(
      '/favorites',
      { schema: { tags: ['favorites'], summary: "The caller's favourites (items it may still see), newest first", querystring: { type: 'object', properties: { spaceId: idParam.properties.id } }, response: { 200: listReply, ...errors(400, 401) } } },
      async (req) => {
        return { favorites: await core.favorites.list(req.actor, idOf(req.query, 'spaceId', decimalNumberCodec, { optional: true })) };
      },
    );

    app.post(
      '/favorites',
      {
        schema: {
          tags: ['favorites'],
          summary: 'Add items to the favourites (or replace their tags); all or nothing',
          body: {
            type: 'object',
            properties: { items: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'object', properties: { itemId: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['itemId'] } } },
            required: ['items'],
          },
          response: { 201: listReply, ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const favorites = await core.favorites.add(req.actor, req.body.items);
        reply.code(201);
        return { favorites };
      },
    );

    app.delete('/favorites/:id', { schema: { tags: ['favorites'], summary: 'Remove a favourite', params: idParam, response: { 204: { type: 'null' }, ...errors(401, 404) } } }, async (req, reply) => {
      await core.favorites.remove(req.actor, idOf(req.params, 'id', decimalNumberCodec));
      reply.code(204).send();
    });
  };
