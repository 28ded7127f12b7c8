import { MAX_REF, type Core } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, idParam } from './schemas.js';

const pinSchema = {
  type: 'object',
  properties: {
    itemId: { type: 'integer' },
    ref: { type: 'string' },
    ownerId: { type: 'integer' },
    slot: { type: 'boolean', description: 'the pin of a slot (avatar, cover…): removed only by replacing or clearing the slot' },
    createdAt: { type: 'integer' },
  },
} as const;
const refSchema = { type: 'string', minLength: 1, maxLength: MAX_REF, description: 'the reference string (yours: each user has their own)' } as const;

/**
 * Pins: a file stays while a pin references it. Files uploaded to expire unless pinned
 * (social `POST /files`) stop expiring when pinned and start again when their last pin goes.
 */
export const pinRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.get(
      '/items/:id/pins',
      { schema: { tags: ['pins'], summary: 'Pins of a file', params: idParam, response: { 200: { type: 'object', properties: { pins: { type: 'array', items: pinSchema } } }, ...errors(400, 401, 404) } } },
      async (req) => ({ pins: await core.pins.ofItem(req.actor, idOf(req.params, 'id', decimalNumberCodec)) }),
    );

    app.post(
      '/items/:id/pins',
      {
        schema: {
          tags: ['pins'],
          summary: 'Pin a file with a reference string (needs the right to edit it); 201 when new, 200 when it was pinned so already',
          params: idParam,
          body: { type: 'object', properties: { ref: refSchema }, required: ['ref'], additionalProperties: false },
          response: { 200: pinSchema, 201: pinSchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        const { pin, created } = await core.pins.pin(req.actor, idOf(req.params, 'id', decimalNumberCodec), req.body.ref);
        reply.code(created ? 201 : 200);
        return pin;
      },
    );

    app.delete(
      '/items/:id/pins',
      {
        schema: {
          tags: ['pins'],
          summary: 'Remove your pin with this reference; the last pin gone, a file uploaded to expire unless pinned starts expiring again',
          params: idParam,
          querystring: { type: 'object', properties: { ref: refSchema }, required: ['ref'] },
          response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        await core.pins.unpin(req.actor, idOf(req.params, 'id', decimalNumberCodec), req.query.ref);
        reply.code(204).send();
      },
    );

    app.get(
      '/pins',
      {
        schema: {
          tags: ['pins'],
          summary: 'Your pins with one reference string (the files it keeps), oldest first',
          querystring: { type: 'object', properties: { ref: refSchema }, required: ['ref'] },
          response: { 200: { type: 'object', properties: { pins: { type: 'array', items: pinSchema } } }, ...errors(400, 401) },
        },
      },
      async (req) => ({ pins: await core.pins.byRef(req.actor, req.query.ref) }),
    );
  };
