import type { Core } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, idParam, itemPathSchema, itemSchema } from './schemas.js';

/** Paths in a space (`/a/b/c`): deep links to items by path, breadcrumbs of an item. */
export const pathRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.get(
      '/spaces/:id/path',
      {
        schema: {
          tags: ['items'],
          summary: 'The live item at a path in a space (only through folders the caller may see and list)',
          params: idParam,
          querystring: {
            type: 'object',
            properties: { path: { type: 'string', description: '`/a/b/c` below the space root, URL-encoded as a whole (encodeURIComponent); `/` is the root; names compare after NFC normalisation' } },
            required: ['path'],
          },
          response: { 200: itemSchema, ...errors(400, 401, 404) },
        },
      },
      async (req) => core.paths.resolve(req.actor, idOf(req.params, 'id', decimalNumberCodec), req.query.path),
    );

    app.get(
      '/items/:id/path',
      { schema: { tags: ['items'], summary: "An item's path and breadcrumbs: every level from the space root down to the item", params: idParam, response: { 200: itemPathSchema, ...errors(401, 404) } } },
      async (req) => core.paths.of(req.actor, idOf(req.params, 'id', decimalNumberCodec)),
    );
  };
