import { compileFilter, type Core, CORE_FIELD_SPECS, type IncomingFile, KuraError } from '../../../core/index.js';
import { conditionsOf, heldTokens } from '../../shared/conditions.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { multipartParts } from '../../shared/multipart.js';
import { idOf } from '../../shared/params.js';
import type { SchemaRoutes } from '../../shared/schema-types.js';
import { errors, idParam, itemSchema, onConflictQuery, publicQuery } from './schemas.js';

const listQuery = {
  type: 'object',
  properties: {
    sort: { type: 'string', enum: ['name', 'size', 'created', 'modified'] },
    order: { type: 'string', enum: ['asc', 'desc'] },
    limit: { type: 'string', description: 'page size, 1–1000 (default 100)' },
    offset: { type: 'string', description: 'items to skip (default 0)' },
    kind: { type: 'string', enum: ['file', 'folder'] },
    q: { type: 'string', description: 'filter: RSQL over id, name, description, customTag, mime, size, isFolder, system, version, createdAt, modifiedAt, createdBy, modifiedBy (e.g. name==*.pdf;size=gt=1000)' },
  },
  additionalProperties: false,
} as const;

export const childrenRoutes =
  (core: Core): SchemaRoutes =>
  async (app) => {
    app.get(
      '/items/:id/children',
      {
        schema: {
          tags: ['items'],
          summary: "One page of a folder's children, folders first",
          params: idParam,
          querystring: listQuery,
          response: { 200: { type: 'object', properties: { items: { type: 'array', items: itemSchema }, total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' } } }, ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const { q, ...rest } = req.query;
        return core.items.children(req.actor, idOf(req.params, 'id', decimalNumberCodec), { ...rest, filter: q ? compileFilter(q, CORE_FIELD_SPECS, 'q') : undefined });
      },
    );

    app.post(
      '/items/:id/children',
      {
        schema: {
          tags: ['items'],
          summary: 'Upload files (multipart/form-data, any number of file parts, streamed) or create a folder (JSON {"name", "kind":"folder"})',
          description:
            'A multipart upload is all or nothing: every file is stored, or none. Each file part is limited by UPLOAD_MAX_BYTES (413) and the space quota (507). The MIME type is sniffed from the content. If-None-Match: * refuses (412) a file or folder whose name is taken; If-Match judges the file of that name (onConflict=version); Lock-Token carries held lock tokens. New files are private (readable by id only with rights) unless public=true.',
          params: idParam,
          querystring: { type: 'object', properties: { ...onConflictQuery, ...publicQuery } },
          response: { 201: { type: 'object', properties: { items: { type: 'array', items: itemSchema } } }, ...errors(400, 401, 403, 404, 409, 412, 413, 415, 423, 507) },
        },
      },
      async (req, reply) => {
        const folderId = idOf(req.params, 'id', decimalNumberCodec);
        const onConflict = req.query.onConflict;
        const conditions = conditionsOf(req);
        const ct = req.headers['content-type'] ?? '';
        if (/^multipart\/form-data/i.test(ct)) {
          // Rights and locks first: a caller who may not write here is refused before any byte is read.
          await core.uploads.checkTarget(req.actor, folderId, { onConflict, conditions: heldTokens(req) });
          const items = await core.uploads.uploadMany(req.actor, folderId, fileParts(req.raw), { onConflict, public: req.query.public === 'true', conditions });
          reply.code(201);
          return { items };
        }
        if (/^application\/json/i.test(ct)) {
          const body = req.body as { name?: unknown; kind?: unknown } | null;
          if (!body || typeof body !== 'object' || body.kind !== 'folder') throw new KuraError('bad_request', 'send {"name": "...", "kind": "folder"} to create a folder');
          const folder = await core.changes.createFolder(req.actor, folderId, body.name, { onConflict, conditions });
          reply.code(201);
          return { items: [folder] };
        }
        throw new KuraError('unsupported_type', 'send multipart/form-data to upload or application/json to create a folder');
      },
    );
  };

/** The file parts of a multipart body as core uploads; other fields are ignored. */
async function* fileParts(raw: Parameters<typeof multipartParts>[0]): AsyncGenerator<IncomingFile> {
  for await (const part of multipartParts(raw)) {
    if (part.kind !== 'file') continue;
    if (!part.filename) {
      part.stream.resume();
      throw new KuraError('bad_request', `file part "${part.name}" has no filename`);
    }
    yield { name: part.filename, stream: part.stream };
  }
}
