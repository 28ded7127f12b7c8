import { compileFilter, type Core, CORE_FIELD_SPECS, itemEtag, type Item } from '../../../core/index.js';
import type { FastifyReply } from 'fastify';
import { conditionsOf, heldTokens } from '../../shared/conditions.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
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

/** Answers an item with its ETag (a file's content hash; a folder's `dir-…`), as conditions compare it. */
export function withEtag(reply: FastifyReply, item: Item): Item {
  reply.header('etag', `"${itemEtag(item)}"`);
  return item;
}

export const itemRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.get('/items/:id', { schema: { tags: ['items'], summary: 'Metadata of a file or folder (its ETag in the ETag header)', params: idParam, response: { 200: itemSchema, ...errors(401, 404) } } }, async (req, reply) => {
      return withEtag(reply, await core.items.get(req.actor, idOf(req.params, 'id', decimalNumberCodec)));
    });

    app.patch(
      '/items/:id',
      {
        schema: {
          tags: ['items'],
          summary: 'Rename, describe or set properties; public (files, needs the share right) switches reads by id without a token; with parentId, also move (If-Match, Lock-Token)',
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
          response: { 200: itemSchema, ...errors(400, 401, 403, 404, 409, 412, 423) },
        },
      },
      async (req, reply) => {
        const id = idOf(req.params, 'id', decimalNumberCodec);
        const { parentId, name, ...meta } = req.body ?? {};
        const conditions = conditionsOf(req);
        if (parentId !== undefined) {
          await core.changes.move(req.actor, id, parentId, { name, conditions });
          if (Object.keys(meta).length === 0) return withEtag(reply, await core.items.get(req.actor, id));
          // The move changed what the conditions named; the lock tokens still count.
          return withEtag(reply, await core.changes.update(req.actor, id, meta, { conditions: heldTokens(req) }));
        }
        return withEtag(reply, await core.changes.update(req.actor, id, { name, ...meta }, { conditions }));
      },
    );

    app.delete(
      '/items/:id',
      { schema: { tags: ['items'], summary: 'Move an item (and its subtree) to the trash (If-Match, Lock-Token)', params: idParam, response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404, 412, 423) } } },
      async (req, reply) => {
        await core.changes.trash(req.actor, idOf(req.params, 'id', decimalNumberCodec), { conditions: conditionsOf(req) });
        reply.code(204).send();
      },
    );

    app.post(
      '/items/:id/move',
      { schema: { tags: ['items'], summary: 'Move into another folder (any space the caller may write to; If-Match, Lock-Token); with onConflict replace, onto a file of that name as its new version', params: idParam, body: placeBody, response: { 200: itemSchema, ...errors(400, 401, 403, 404, 409, 412, 423, 507) } } },
      async (req, reply) => {
        const { parentId, name, onConflict } = req.body;
        return withEtag(reply, await core.changes.move(req.actor, idOf(req.params, 'id', decimalNumberCodec), parentId, { name, onConflict, conditions: conditionsOf(req) }));
      },
    );

    app.post(
      '/items/:id/copy',
      {
        schema: {
          tags: ['items'],
          summary: 'Copy a file or folder tree (metadata only: content is shared; If-Match judges the item copied, Lock-Token the destination); with onConflict replace, onto a file of that name as its new version',
          params: idParam,
          body: placeBody,
          response: { 201: itemSchema, ...errors(400, 401, 403, 404, 409, 412, 423, 507) },
        },
      },
      async (req, reply) => {
        const { parentId, name, onConflict } = req.body;
        const copy = await core.changes.copy(req.actor, idOf(req.params, 'id', decimalNumberCodec), parentId, { name, onConflict, conditions: conditionsOf(req) });
        reply.code(201);
        return copy;
      },
    );

    app.get(
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

    app.get(
      '/items/:id/ancestors',
      { schema: { tags: ['items'], summary: 'Folders from the space root down to the parent', params: idParam, response: { 200: { type: 'object', properties: { items: { type: 'array', items: itemSchema } } }, ...errors(401, 404) } } },
      async (req) => {
        return { items: await core.items.ancestors(req.actor, idOf(req.params, 'id', decimalNumberCodec)) };
      },
    );
  };
