import type { KuraConfig } from '../../../config.js';
import type { Core, Share } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf } from '../../shared/params.js';
import { sendShare } from '../../shared/send-share.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, idParam } from './schemas.js';

const nullableInt = { type: ['integer', 'null'] } as const;

const shareSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    token: { type: 'string', description: 'the unguessable public id (24 hex digits) that downloads need' },
    itemId: { type: 'integer' },
    itemName: { type: 'string' },
    itemKind: { type: 'string', enum: ['file', 'folder'] },
    spaceId: { type: 'integer' },
    createdBy: { type: 'integer' },
    createdAt: { type: 'integer' },
    type: { type: 'string', enum: ['public', 'private'] },
    code: { type: ['string', 'null'], description: 'extraction code of a private share' },
    expiresAt: nullableInt,
    maxDownloads: nullableInt,
    downloadCount: { type: 'integer', description: 'successful GETs of this share (HEAD does not count)' },
    url: { type: 'string', description: 'download URL (add ?code= for a private share)' },
  },
} as const;
const listReply = { type: 'object', properties: { shares: { type: 'array', items: shareSchema } } } as const;
const binary = { description: 'the file, or a folder as a zip', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } }, 'application/zip': { schema: { type: 'string', format: 'binary' } } } };

export const shareRoutes =
  (core: Core, config: KuraConfig): SchemaRoutes =>
  async (app) => {
    const render = (s: Share) => ({ ...s, url: `${config.publicUrl}/api/v1/shares/${s.token}/content` });

    app.get(
      '/shares',
      {
        schema: {
          tags: ['shares'],
          summary: 'Shares of live items the caller created or may share (SHARE right), newest first',
          querystring: { type: 'object', properties: { spaceId: idParam.properties.id } },
          response: { 200: listReply, ...errors(400, 401) },
        },
      },
      async (req) => {
        return { shares: (await core.shares.list(req.actor, idOf(req.query, 'spaceId', decimalNumberCodec, { optional: true }))).map(render) };
      },
    );

    app.post(
      '/shares',
      {
        schema: {
          tags: ['shares'],
          summary: 'Share items (one share each; needs the SHARE right on every item; all or nothing)',
          body: {
            type: 'object',
            properties: {
              itemIds: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'integer' } },
              type: { type: 'string', enum: ['public', 'private'], description: 'private shares get an extraction code' },
              expiresAt: { ...nullableInt, description: 'epoch ms after which the share stops working' },
              maxDownloads: { ...nullableInt, minimum: 1, description: 'downloads allowed, then the share stops working' },
            },
            required: ['itemIds', 'type'],
            additionalProperties: false,
          },
          response: { 201: listReply, ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        const shares = await core.shares.add(req.actor, req.body.itemIds, req.body);
        reply.code(201);
        return { shares: shares.map(render) };
      },
    );

    app.get('/shares/:id', { schema: { tags: ['shares'], summary: 'One share', params: idParam, response: { 200: shareSchema, ...errors(400, 401, 404) } } }, async (req) => {
      return render(await core.shares.get(req.actor, idOf(req.params, 'id', decimalNumberCodec)));
    });

    app.delete(
      '/shares/:id',
      { schema: { tags: ['shares'], summary: 'Remove a share (its creator, or a caller with SHARE on the item)', params: idParam, response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404) } } },
      async (req, reply) => {
        await core.shares.remove(req.actor, { id: idOf(req.params, 'id', decimalNumberCodec) });
        reply.code(204).send();
      },
    );

    app.route({
      method: ['GET', 'HEAD'],
      url: '/shares/:token/content',
      // The token opens the download: never in a log line.
      config: { auth: 'none', secretParams: ['token'] },
      schema: {
        tags: ['shares'],
        summary: 'Download a share without a token: a file (Range, ETag) or a folder as a streamed zip. Unknown, removed, expired shares, wrong codes and trashed items all answer the same 404; too many a minute from one client answer 429',
        security: [],
        params: { type: 'object', properties: { token: { type: 'string', maxLength: 64 } }, required: ['token'] },
        querystring: { type: 'object', properties: { code: { type: 'string', maxLength: 64, description: 'extraction code of a private share' } } },
        response: { 200: binary, 206: binary, ...errors(404, 416, 429) },
      },
      handler: async (req, reply) => {
        const content = await core.shares.open(req.params.token, req.query.code, { client: req.ip, count: req.method !== 'HEAD' });
        await sendShare(req, reply, content);
        return reply;
      },
    });
  };
