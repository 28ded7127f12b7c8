import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { type Core, KuraError } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { multipartParts } from '../../shared/multipart.js';
import { idOf } from '../../shared/params.js';
import { sendFile } from '../../shared/send-file.js';
import { errors, idParam, itemSchema, versionSchema } from './schemas.js';

const versionParams = {
  type: 'object',
  properties: { id: idParam.properties.id, n: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } },
  required: ['id', 'n'],
} as const;

const binary = { description: 'the bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } };

/** The body of a new-version upload: the first file of a multipart body, or the raw body. */
async function contentStream(req: FastifyRequest): Promise<{ stream: Readable; done: () => Promise<void> }> {
  const ct = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(ct)) return { stream: req.raw, done: async () => undefined };
  const parts = multipartParts(req.raw, { files: 1 });
  for await (const part of parts) {
    if (part.kind === 'file') return { stream: part.stream, done: async () => void (await parts.return(undefined)) };
  }
  throw new KuraError('bad_request', 'no file in the request');
}

export const contentRoutes =
  (core: Core): FastifyPluginAsync =>
  async (app) => {
    app.route<{ Params: { id: string }; Querystring: { version?: string } }>({
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

    app.get<{ Params: { id: string } }>(
      '/items/:id/versions',
      { schema: { tags: ['content'], summary: 'Versions of a file, newest first', params: idParam, response: { 200: { type: 'object', properties: { versions: { type: 'array', items: versionSchema } } }, ...errors(400, 401, 404) } } },
      async (req) => {
        return { versions: await core.items.versions(req.actor, idOf(req.params, 'id', decimalNumberCodec)) };
      },
    );

    app.post<{ Params: { id: string } }>(
      '/items/:id/versions',
      {
        schema: {
          tags: ['content'],
          summary: 'Upload new content for a file (multipart with one file part, or the raw body): a new version',
          params: idParam,
          response: { 201: itemSchema, ...errors(400, 401, 403, 404, 413, 507) },
        },
      },
      async (req, reply) => {
        const id = idOf(req.params, 'id', decimalNumberCodec);
        await core.uploads.checkVersionTarget(req.actor, id);
        const { stream, done } = await contentStream(req);
        try {
          const item = await core.uploads.uploadVersion(req.actor, id, stream);
          reply.code(201);
          return item;
        } finally {
          await done();
        }
      },
    );

    app.route<{ Params: { id: string; n: string } }>({
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
