import type { FastifyPluginAsync } from 'fastify';
import { compileFilter, type Core, CORE_FIELD_SPECS, type PlaceConflict } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import { errors, idParam, itemSchema, placeConflict } from './schemas.js';

const placeBody = {
  type: 'object',
  properties: { parentId: { type: 'integer', description: 'destination folder' }, name: { type: 'string', description: 'new name (default: keep)' }, ...placeConflict },
  required: ['parentId'],
} as const;

/** Items nest their children; the schema allows any depth by reference to itself. */
const treeNode = {
  $id: 'kuraTreeNode',
  type: 'object',
  properties: { ...itemSchema.properties, children: { type: 'array', items: { $ref: 'kuraTreeNode#' } } },
} as const;

type PlaceBody = { parentId: number; name?: string; onConflict?: PlaceConflict };

export const itemRoutes =
  (core: Core): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { id: string } }>('/items/:id', { schema: { tags: ['items'], summary: 'Metadata of a file or folder', params: idParam, response: { 200: itemSchema, ...errors(401, 404) } } }, async (req) => {
      return core.items.get(req.actor, idOf(req.params, 'id', decimalNumberCodec));
    });

    app.patch<{ Params: { id: string }; Body: Record<string, unknown> }>(
      '/items/:id',
      {
        schema: {
          tags: ['items'],
          summary: 'Rename, describe or set properties; public (files, needs the share right) switches reads by id without a token; with parentId, also move',
          params: idParam,
          body: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              description: { type: 'string' },
              customTag: { type: 'string' },
              properties: { type: 'object', additionalProperties: true },
              public: { type: 'boolean', description: 'anyone may read the file by id without a token' },
              parentId: { type: 'integer' },
            },
            additionalProperties: false,
          },
          response: { 200: itemSchema, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        const id = idOf(req.params, 'id', decimalNumberCodec);
        const { parentId, name, ...meta } = req.body ?? {};
        if (parentId !== undefined) {
          await core.changes.move(req.actor, id, parentId as number, { name });
          if (Object.keys(meta).length === 0) return core.items.get(req.actor, id);
          return core.changes.update(req.actor, id, meta);
        }
        return core.changes.update(req.actor, id, { name, ...meta });
      },
    );

    app.delete<{ Params: { id: string } }>('/items/:id', { schema: { tags: ['items'], summary: 'Move an item (and its subtree) to the trash', params: idParam, response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404) } } }, async (req, reply) => {
      await core.changes.trash(req.actor, idOf(req.params, 'id', decimalNumberCodec));
      reply.code(204).send();
    });

    app.post<{ Params: { id: string }; Body: PlaceBody }>(
      '/items/:id/move',
      { schema: { tags: ['items'], summary: 'Move into another folder (any space the caller may write to); with onConflict replace, onto a file of that name as its new version', params: idParam, body: placeBody, response: { 200: itemSchema, ...errors(400, 401, 403, 404, 409, 507) } } },
      async (req) => {
        return core.changes.move(req.actor, idOf(req.params, 'id', decimalNumberCodec), req.body.parentId, req.body);
      },
    );

    app.post<{ Params: { id: string }; Body: PlaceBody }>(
      '/items/:id/copy',
      { schema: { tags: ['items'], summary: 'Copy a file or folder tree (metadata only: content is shared); with onConflict replace, onto a file of that name as its new version', params: idParam, body: placeBody, response: { 201: itemSchema, ...errors(400, 401, 403, 404, 409, 507) } } },
      async (req, reply) => {
        const copy = await core.changes.copy(req.actor, idOf(req.params, 'id', decimalNumberCodec), req.body.parentId, req.body);
        reply.code(201);
        return copy;
      },
    );

    app.get<{ Params: { id: string }; Querystring: { files?: string; q?: string } }>(
      '/items/:id/tree',
      {
        schema: {
          tags: ['items'],
          summary: "A folder's whole subtree as a tree (only what the caller may see); files=false keeps folders only",
          params: idParam,
          querystring: { type: 'object', properties: { files: { type: 'string', enum: ['true', 'false'] }, q: { type: 'string', description: 'filter (as for children); non-matching folders stay when they lead to a match' } } },
          response: { 200: { type: 'object', properties: { items: { type: 'array', items: treeNode } } }, ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const filter = req.query.q ? compileFilter(req.query.q, CORE_FIELD_SPECS, 'q') : undefined;
        return { items: await core.items.descendants(req.actor, idOf(req.params, 'id', decimalNumberCodec), { files: req.query.files !== 'false', filter }) };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/items/:id/ancestors',
      { schema: { tags: ['items'], summary: 'Folders from the space root down to the parent', params: idParam, response: { 200: { type: 'object', properties: { items: { type: 'array', items: itemSchema } } }, ...errors(401, 404) } } },
      async (req) => {
        return { items: await core.items.ancestors(req.actor, idOf(req.params, 'id', decimalNumberCodec)) };
      },
    );
  };
