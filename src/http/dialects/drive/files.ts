import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { type FileBody, KuraError } from '../../../core/index.js';
import { iconFor } from '../../../media/icons.js';
import { objectIdCodec } from '../../shared/ids.js';
import { withFile } from '../../shared/multipart.js';
import { idOf, int, paramsOf, str } from '../../shared/params.js';
import { sendFile } from '../../shared/send-file.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';

/** `resource?Type=1`: a JPEG within 256×256, a step of the core's thumbnail ladder (served as kept, never rescaled). */
const DRIVE_THUMBNAIL = { kind: 'long-edge', size: 256 } as const;

/** Icons never change while a process runs. */
const STARTED = Math.floor(Date.now() / 1000) * 1000;

/** Upload, new version, download and sliced download. */
export const fileRoutes =
  (d: Drive): FastifyPluginAsync =>
  async (app) => {
    // Multipart: fields first (UserToken may be one of them), then the file. Public: spec 002
    // serves every file by id without a token (`resource`).
    app.post('/upload', { config: { auth: 'multipart' } }, async (req) => {
      const item = await withFile(req, 'File', (f, file) =>
        d.core.uploads.upload(req.actor, idOf(f, 'ParentId', objectIdCodec), { name: typeof f.FileName === 'string' && f.FileName ? f.FileName : file.name, stream: file.stream }, { onConflict: 'rename', public: true }),
      );
      return ok((await d.items([item]))[0]);
    });

    app.post('/update', { config: { auth: 'multipart' } }, async (req) => {
      const item = await withFile(req, 'File', (f, file) => d.core.uploads.uploadVersion(req.actor, idOf(f, 'Id', objectIdCodec), file.stream));
      return ok((await d.items([item]))[0]);
    });

    // No token: icons are the same for everyone (the spec shows no UserToken here).
    app.get('/thumbnail', { config: { auth: 'none' } }, async (req, reply) => {
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
    app.get('/resource', { config: { auth: 'none' } }, async (req, reply) => {
      const p = paramsOf(req);
      const type = int(p, 'Type', 0);
      if (type !== 0 && type !== 1) throw new KuraError('bad_request', 'Type must be 0 (original) or 1 (thumbnail)', { field: 'Type' });
      const body = await d.core.publicReads.content(idOf(p, 'Id', objectIdCodec), { client: req.ip, recipe: type === 1 ? DRIVE_THUMBNAIL : undefined });
      await sendFile(req, reply, body);
      return reply;
    });

    app.get('/download', async (req, reply) => {
      const p = paramsOf(req);
      const body = await d.core.content.content(req.actor, idOf(p, 'FileId', objectIdCodec));
      await sendFile(req, reply, body);
      return reply;
    });

    app.get('/download_large_file', async (req, reply) => {
      const p = paramsOf(req);
      const offset = int(p, 'SliceOffset');
      const length = int(p, 'SliceLength', 1024 * 1024);
      if (offset < 0) throw new KuraError('bad_request', 'SliceOffset must be ≥ 0', { field: 'SliceOffset' });
      if (length < 1 || length > 64 * 1024 * 1024) throw new KuraError('bad_request', 'SliceLength must be from 1 to 67108864', { field: 'SliceLength' });
      const body = await d.core.content.content(req.actor, idOf(p, 'FileId', objectIdCodec));
      if (offset >= body.size && !(offset === 0 && body.size === 0)) throw new KuraError('range_not_satisfiable', `SliceOffset ${offset} is beyond the file's ${body.size} bytes`);
      const slice = body.size === 0 ? undefined : { start: offset, end: Math.min(body.size, offset + length) - 1 };
      await sendFile(req, reply, body, { attachment: true, slice, headers: { 'x-file-length': String(body.size) } });
      return reply;
    });
  };
