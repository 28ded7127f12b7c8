import type { Core } from '../../../core/index.js';
import { conditionsOf } from '../../shared/conditions.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { isMultipart, withFile } from '../../shared/multipart.js';
import { idOf } from '../../shared/params.js';
import { sendFile } from '../../shared/send-file.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { withEtag } from './items.js';
import { errors, idParam, itemSchema, versionSchema } from './schemas.js';

const versionParams = {
  type: 'object',
  properties: { id: idParam.properties.id, n: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } },
  required: ['id', 'n'],
} as const;

const binary = { description: 'the bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };

export const contentRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.route({
      method: ['GET', 'HEAD'],
      url: '/items/:id/content',
      schema: {
        tags: ['content'],
        summary: 'Download a file (Range, ETag, If-None-Match, If-Modified-Since; ?version=N for an older version)',
        params: idParam,
        querystring: { type: 'object', properties: { version: { type: 'string', pattern: '^[1-9][0-9]{0,8}$', description: 'version number' } } },
        response: { 200: binary, 206: binary, 304: { description: 'not modified', type: 'null' }, ...errors(401, 404, 416) },
      },
      handler: async (req, reply) => {
        const body = await core.content.content(req.actor, idOf(req.params, 'id', decimalNumberCodec), req.query.version === undefined ? undefined : Number(req.query.version));
        await sendFile(req, reply, body);
        return reply;
      },
    });

    app.get(
      '/items/:id/versions',
      { schema: { tags: ['content'], summary: 'Versions of a file, newest first', params: idParam, response: { 200: { type: 'object', properties: { versions: { type: 'array', items: versionSchema } } }, ...errors(400, 401, 404) } } },
      async (req) => {
        return { versions: await core.items.versions(req.actor, idOf(req.params, 'id', decimalNumberCodec)) };
      },
    );

    app.post(
      '/items/:id/versions',
      {
        schema: {
          tags: ['content'],
          summary: 'Upload new content for a file (multipart with one file part, or the raw body): a new version (If-Match, If-None-Match, Lock-Token)',
          params: idParam,
          response: { 201: itemSchema, ...errors(400, 401, 403, 404, 412, 413, 423, 507) },
        },
      },
      async (req, reply) => {
        const id = idOf(req.params, 'id', decimalNumberCodec);
        const conditions = conditionsOf(req);
        // Rights, locks and conditions first: a refused write reads no byte of the body.
        await core.uploads.checkVersionTarget(req.actor, id, { conditions });
        // The first file part of a multipart body (only one), or the raw body.
        const item = isMultipart(req)
          ? await withFile(req, undefined, (_f, file) => core.uploads.uploadVersion(req.actor, id, file.stream, { conditions }))
          : await core.uploads.uploadVersion(req.actor, id, req.raw, { conditions });
        reply.code(201);
        return withEtag(reply, item);
      },
    );

    app.route({
      method: ['GET', 'HEAD'],
      url: '/items/:id/versions/:n/content',
      schema: { tags: ['content'], summary: 'Download one version of a file', params: versionParams, response: { 200: binary, 206: binary, ...errors(401, 404, 416) } },
      handler: async (req, reply) => {
        const body = await core.content.content(req.actor, idOf(req.params, 'id', decimalNumberCodec), Number(req.params.n));
        await sendFile(req, reply, body);
        return reply;
      },
    });
  };
