import type { Core } from '../../../core/index.js';
import { conditionsOf } from '../../shared/conditions.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, idParam, itemSchema } from './schemas.js';

const trashItemParams = {
  type: 'object',
  properties: { id: idParam.properties.id, itemId: idParam.properties.id },
  required: ['id', 'itemId'],
} as const;

export const trashRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.get(
      '/spaces/:id/trash',
      { schema: { tags: ['trash'], summary: 'Items deleted in a space (tops of deleted subtrees), newest first', params: idParam, response: { 200: { type: 'object', properties: { items: { type: 'array', items: itemSchema } } }, ...errors(401, 404) } } },
      async (req) => {
        return { items: await core.trash.list(req.actor, idOf(req.params, 'id', decimalNumberCodec)) };
      },
    );

    app.delete(
      '/spaces/:id/trash',
      { schema: { tags: ['trash'], summary: 'Empty the trash of a space (what the caller may delete); usage is given back', params: idParam, response: { 200: { type: 'object', properties: { purged: { type: 'integer' } } }, ...errors(401, 404) } } },
      async (req) => {
        return { purged: await core.trash.clear(req.actor, idOf(req.params, 'id', decimalNumberCodec)) };
      },
    );

    app.delete(
      '/spaces/:id/trash/:itemId',
      { schema: { tags: ['trash'], summary: 'Delete one trashed item (and its subtree) for good', params: trashItemParams, response: { 204: { type: 'null' }, ...errors(401, 403, 404) } } },
      async (req, reply) => {
        await core.trash.purge(req.actor, idOf(req.params, 'itemId', decimalNumberCodec));
        reply.code(204).send();
      },
    );

    app.post(
      '/items/:id/restore',
      {
        schema: {
          tags: ['trash'],
          summary: 'Restore a trashed item with its subtree',
          description: 'If its folder is gone or trashed it returns to the space root; if its name was taken meanwhile it is renamed "name (1).ext".',
          params: idParam,
          response: { 200: itemSchema, ...errors(401, 403, 404, 412, 423) },
        },
      },
      async (req) => {
        return core.trash.restore(req.actor, idOf(req.params, 'id', decimalNumberCodec), { conditions: conditionsOf(req) });
      },
    );
  };
