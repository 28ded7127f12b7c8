import { randomBytes } from 'node:crypto';
import { type Core, KuraError, type SliceResult } from '../../../core/index.js';
import { conditionsOf, heldTokens } from '../../shared/conditions.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, itemSchema } from './schemas.js';

const keyParam = {
  type: 'object',
  properties: { key: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.{}()-]{0,99}$', description: 'the upload key' } },
  required: ['key'],
} as const;

const uploadSchema = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    name: { type: 'string' },
    length: { type: 'integer' },
    received: { type: 'integer' },
    ranges: { type: 'array', items: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 }, description: 'received byte ranges, inclusive' },
    state: { type: 'string', enum: ['open', 'assembling', 'done'] },
    folderId: { type: ['integer', 'null'] },
    itemId: { type: ['integer', 'null'], description: 'the file updated, or the file made once done' },
    createdAt: { type: 'integer' },
    expiresAt: { type: 'integer' },
  },
} as const;

const sliceReply = { type: 'object', properties: { done: { type: 'boolean' }, upload: uploadSchema, item: itemSchema } } as const;

const answer = (r: SliceResult) => (r.done ? { done: true, upload: r.status, item: r.item } : { done: false, upload: r.status });

/** Resumable uploads: /api/v1/uploads (the same sessions as the drive's sliced uploads). */
export const uploadRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.post(
      '/uploads',
      {
        schema: {
          tags: ['uploads'],
          summary: 'Start a resumable upload (a new file in folderId named name, or a new version of itemId), reserving length bytes of quota; If-Match, If-None-Match and Lock-Token are judged now and again on completion',
          body: {
            type: 'object',
            properties: {
              key: { type: 'string', pattern: keyParam.properties.key.pattern, description: 'client-chosen key (default: 32 random hex digits); the same key with the same file resumes' },
              folderId: { type: 'integer', minimum: 1 },
              name: { type: 'string' },
              itemId: { type: 'integer', minimum: 1 },
              length: { type: 'integer', minimum: 0 },
              public: { type: 'boolean', description: 'the new file is readable by id without a token (default false); a new version keeps its file\'s' },
            },
            required: ['length'],
            additionalProperties: false,
          },
          response: { 201: uploadSchema, ...errors(400, 401, 403, 404, 409, 412, 413, 423, 507) },
        },
      },
      async (req, reply) => {
        const b = req.body;
        if ((b.itemId === undefined) === (b.folderId === undefined)) throw new KuraError('bad_request', 'give either folderId (with name) or itemId');
        if (b.folderId !== undefined && b.name === undefined) throw new KuraError('bad_request', 'name is required with folderId', { field: 'name' });
        const key = b.key ?? randomBytes(16).toString('hex');
        const target = b.itemId !== undefined ? { itemId: b.itemId } : { folderId: b.folderId!, name: b.name! };
        const status = await core.resumable.open(req.actor, { key, target, length: b.length, public: b.public, conditions: conditionsOf(req) });
        reply.code(201);
        return status;
      },
    );

    app.get(
      '/uploads/:key',
      { schema: { tags: ['uploads'], summary: 'State of a resumable upload: received ranges, expiry', params: keyParam, response: { 200: uploadSchema, ...errors(401, 404) } } },
      async (req) => core.resumable.status(req.actor, req.params.key),
    );

    app.put(
      '/uploads/:key',
      {
        schema: {
          tags: ['uploads'],
          summary: 'Send bytes at offset (raw body). Slices may come in any order and be re-sent; the one that completes the file answers 201 with it',
          params: keyParam,
          querystring: { type: 'object', properties: { offset: { type: 'string', pattern: '^[0-9]{1,16}$' } }, required: ['offset'] },
          consumes: ['application/octet-stream'],
          response: { 200: sliceReply, 201: sliceReply, ...errors(400, 401, 403, 404, 409, 412, 423, 507) },
        },
      },
      async (req, reply) => {
        const r = await core.resumable.append(req.actor, req.params.key, Number(req.query.offset), req.raw, { conditions: heldTokens(req) });
        if (r.done) reply.code(201);
        return answer(r);
      },
    );

    app.delete(
      '/uploads/:key',
      { schema: { tags: ['uploads'], summary: 'Cancel a resumable upload: its bytes are dropped and its quota given back', params: keyParam, response: { 204: { type: 'null' }, ...errors(401, 404, 409) } } },
      async (req, reply) => {
        await core.resumable.cancel(req.actor, req.params.key);
        reply.code(204);
      },
    );
  };
