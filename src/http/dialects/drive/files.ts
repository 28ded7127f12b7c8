import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Actor } from '../../../core/actor.js';
import { KuraError } from '../../../core/errors.js';
import { multipartParts } from '../../shared/multipart.js';
import { sendFile } from '../../shared/send-file.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { int, objectId, paramsOf, str, type Params } from './params.js';
import { iconFor } from '../../../media/icons.js';
import type { FileBody } from '../../../core/items/content.js';
import { Readable } from 'node:stream';

/** `resource?Type=1`: a JPEG within 256×256. */
const DRIVE_THUMBNAIL = { kind: 'long-edge', size: 256 } as const;

/** Icons never change while a process runs. */
const STARTED = Math.floor(Date.now() / 1000) * 1000;

/**
 * Reads a multipart body in order: fields first (UserToken, FileName, ParentId or Id), then
 * the file. A file part that arrives before any token is refused (401) without being read.
 */
export async function withFile<T>(d: Drive, req: FastifyRequest, fileField: string, use: (actor: Actor, fields: Params, file: { name: string; stream: Readable }) => Promise<T>): Promise<T> {
  const fields: Params = { ...((req.query ?? {}) as Params) };
  const parts = multipartParts(req.raw, { files: 1 });
  let result: { value: T } | undefined;
  for await (const part of parts) {
    if (part.kind === 'field') {
      fields[part.name] = part.value;
      continue;
    }
    if (part.name !== fileField || result) {
      part.stream.resume();
      continue;
    }
    let actor: Actor;
    try {
      actor = await d.actor(req, fields);
    } catch (e) {
      part.stream.resume();
      throw e;
    }
    result = { value: await use(actor, fields, { name: part.filename, stream: part.stream }) };
  }
  if (!result) throw new KuraError('bad_request', `${fileField} is required (a file part)`, { field: fileField });
  return result.value;
}

export function requireMultipart(req: FastifyRequest): void {
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) throw new KuraError('unsupported_type', 'send multipart/form-data with the fields first and the file last');
}

/** Upload, new version, download and sliced download. */
export const fileRoutes =
  (d: Drive): FastifyPluginAsync =>
  async (app) => {
    app.post('/upload', async (req) => {
      requireMultipart(req);
      const item = await withFile(d, req, 'File', (actor, f, file) =>
        d.core.uploads.upload(actor, objectId(f, 'ParentId'), { name: typeof f.FileName === 'string' && f.FileName ? f.FileName : file.name, stream: file.stream }, { onConflict: 'rename' }),
      );
      return ok((await d.items([item]))[0]);
    });

    app.post('/update', async (req) => {
      requireMultipart(req);
      const item = await withFile(d, req, 'File', (actor, f, file) => d.core.uploads.uploadVersion(actor, objectId(f, 'Id'), file.stream));
      return ok((await d.items([item]))[0]);
    });

    // No token: icons are the same for everyone (the spec shows no UserToken here).
    app.get('/thumbnail', async (req, reply) => {
      const p = paramsOf(req);
      const ext = str(p, 'ExtName');
      if (ext.length > 32) throw new KuraError('bad_request', 'ExtName is longer than 32 characters', { field: 'ExtName' });
      const type = int(p, 'ThumbnailType');
      if (type !== 1 && type !== 2) throw new KuraError('bad_request', 'ThumbnailType must be 1 (small) or 2 (large)', { field: 'ThumbnailType' });
      const icon = await iconFor(ext, type);
      const body: FileBody = { name: `${ext}.png`, size: icon.png.length, mime: 'image/png', etag: icon.etag, modifiedAt: STARTED, cached: icon.png, open: async () => Readable.from([icon.png]) };
      await sendFile(req, reply, body, { cacheControl: 'public, max-age=86400' });
      return reply;
    });

    // No token: the core's public-read rule decides (live, unexpired, public links on).
    app.get('/resource', async (req, reply) => {
      const p = paramsOf(req);
      const type = int(p, 'Type', 0);
      if (type !== 0 && type !== 1) throw new KuraError('bad_request', 'Type must be 0 (original) or 1 (thumbnail)', { field: 'Type' });
      const body = await d.core.publicReads.content(objectId(p, 'Id'), { client: req.ip, recipe: type === 1 ? DRIVE_THUMBNAIL : undefined });
      await sendFile(req, reply, body);
      return reply;
    });

    app.get('/download', async (req, reply) => {
      const p = paramsOf(req);
      const actor = await d.actor(req, p);
      const body = await d.core.content.content(actor, objectId(p, 'FileId'));
      await sendFile(req, reply, body);
      return reply;
    });

    app.get('/download_large_file', async (req, reply) => {
      const p = paramsOf(req);
      const actor = await d.actor(req, p);
      const offset = int(p, 'SliceOffset');
      const length = int(p, 'SliceLength', 1024 * 1024);
      if (offset < 0) throw new KuraError('bad_request', 'SliceOffset must be ≥ 0', { field: 'SliceOffset' });
      if (length < 1 || length > 64 * 1024 * 1024) throw new KuraError('bad_request', 'SliceLength must be from 1 to 67108864', { field: 'SliceLength' });
      const body = await d.core.content.content(actor, objectId(p, 'FileId'));
      if (offset >= body.size && !(offset === 0 && body.size === 0)) throw new KuraError('range_not_satisfiable', `SliceOffset ${offset} is beyond the file's ${body.size} bytes`);
      const slice = body.size === 0 ? undefined : { start: offset, end: Math.min(body.size, offset + length) - 1 };
      reply.header('X-File-Length', String(body.size));
      await sendFile(req, reply, body, { attachment: true, slice });
      return reply;
    });
  };
