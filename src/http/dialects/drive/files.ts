import { Readable } from 'node:stream';
import { type FileBody, KuraError } from '../../../core/index.js';
import { iconFor } from '../../../media/icons.js';
import { objectIdCodec } from '../../shared/ids.js';
import { withFile } from '../../shared/multipart.js';
import { param, reader } from '../../shared/param-readers.js';
import { paramsOf } from '../../shared/params.js';
import type { TableRoute } from '../../shared/route-table.js';
import { sendFile } from '../../shared/send-file.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { FileIdParam, ParentId } from './params.js';

/** `resource?Type=1`: a JPEG within 256×256, a step of the core's thumbnail ladder (served as kept, never rescaled). */
const DRIVE_THUMBNAIL = { kind: 'long-edge', size: 256 } as const;

/** Icons never change while a process runs. */
const STARTED = Math.floor(Date.now() / 1000) * 1000;

const FileId = param.id('FileId', objectIdCodec, 'ObjectId', '下载文件的Id');
const File = param.file('File', '文件信息');
/** The spec marks FileName required; Kura takes the file part's filename when it is absent or empty. */
const FileName = reader({ name: 'FileName', type: 'string', required: false, description: '文件名（不包含路径） (default: the file part’s filename)' }, (p) =>
  typeof p.FileName === 'string' && p.FileName ? p.FileName : undefined,
);
const ExtName = param.str('ExtName', '文件的扩展名');
const ThumbnailType = param.int('ThumbnailType', '缩略图类型（1小图2大图）');
const ResourceType = param.int('Type', '默认0原始文件，1为缩略图（图片类型）', { default: 0 });
const SliceOffset = param.int('SliceOffset', '文件分片偏移位置', { long: true });
const SliceLength = param.int('SliceLength', '分片的长度（字节），默认为1024x1024（1M）', { long: true, default: 1024 * 1024 });

/** Upload, new version, download and sliced download. */
export const fileRoutes = (d: Drive): TableRoute[] => [
  // Multipart: fields first (UserToken may be one of them), then the file. Public: spec 002
  // serves every file by id without a token (`resource`).
  {
    method: 'POST',
    url: '/upload',
    tags: ['files'],
    summary: 'Upload a file (文件-上传文件)',
    params: [FileName, ParentId, File],
    config: { auth: 'multipart' },
    async handler(req) {
      const item = await withFile(req, File.doc.name, (f, file) =>
        d.core.uploads.upload(req.actor, ParentId.read(f), { name: FileName.read(f) ?? file.name, stream: file.stream }, { onConflict: 'rename', public: true }),
      );
      return ok((await d.items([item]))[0]);
    },
  },
  {
    method: 'POST',
    url: '/update',
    tags: ['files'],
    summary: 'Upload new content for a file (a new version) (文件-更新文件)',
    params: [FileIdParam, File],
    config: { auth: 'multipart' },
    async handler(req) {
      const item = await withFile(req, File.doc.name, (f, file) => d.core.uploads.uploadVersion(req.actor, FileIdParam.read(f), file.stream));
      return ok((await d.items([item]))[0]);
    },
  },
  // No token: icons are the same for everyone (the spec shows no UserToken here).
  {
    method: 'GET',
    url: '/thumbnail',
    tags: ['files'],
    summary: 'Icon of a file type (文件-获取文件图标)',
    produces: 'image/png',
    params: [ExtName, ThumbnailType],
    config: { auth: 'none' },
    async handler(req, reply) {
      const p = paramsOf(req);
      const ext = ExtName.read(p);
      if (ext.length > 32) throw new KuraError('bad_request', 'ExtName is longer than 32 characters', { field: 'ExtName' });
      const type = ThumbnailType.read(p);
      if (type !== 1 && type !== 2) throw new KuraError('bad_request', 'ThumbnailType must be 1 (small) or 2 (large)', { field: 'ThumbnailType' });
      const icon = await iconFor(ext, type);
      const body: FileBody = { name: `${ext}.png`, size: icon.png.length, mime: 'image/png', etag: icon.etag, modifiedAt: STARTED, cached: icon.png, open: async () => Readable.from([icon.png]) };
      await sendFile(req, reply, body, { cacheControl: 'public, max-age=86400' });
      return reply;
    },
  },
  // No token: the core's public-read rule decides (live, unexpired, public links on).
  {
    method: 'GET',
    url: '/resource',
    tags: ['files'],
    summary: 'A file or its thumbnail, without a token (文件-获取资源文件)',
    produces: 'application/octet-stream',
    params: [FileIdParam, ResourceType],
    config: { auth: 'none' },
    async handler(req, reply) {
      const p = paramsOf(req);
      const type = ResourceType.read(p);
      if (type !== 0 && type !== 1) throw new KuraError('bad_request', 'Type must be 0 (original) or 1 (thumbnail)', { field: 'Type' });
      const body = await d.core.publicReads.content(FileIdParam.read(p), { client: req.ip, recipe: type === 1 ? DRIVE_THUMBNAIL : undefined });
      await sendFile(req, reply, body);
      return reply;
    },
  },
  {
    method: 'GET',
    url: '/download',
    tags: ['files'],
    summary: 'Download a file (Range, ETag, 304) (文件-下载文件)',
    produces: 'application/octet-stream',
    params: [FileId],
    async handler(req, reply) {
      const p = paramsOf(req);
      const body = await d.core.content.content(req.actor, FileId.read(p));
      await sendFile(req, reply, body);
      return reply;
    },
  },
  {
    method: 'GET',
    url: '/download_large_file',
    tags: ['slices'],
    summary: 'Download a slice of a large file (文件-下载文件（大文件分片下载）)',
    produces: 'application/octet-stream',
    params: [FileId, SliceOffset, SliceLength],
    async handler(req, reply) {
      const p = paramsOf(req);
      const offset = SliceOffset.read(p);
      const length = SliceLength.read(p);
      if (offset < 0) throw new KuraError('bad_request', 'SliceOffset must be ≥ 0', { field: 'SliceOffset' });
      if (length < 1 || length > 64 * 1024 * 1024) throw new KuraError('bad_request', 'SliceLength must be from 1 to 67108864', { field: 'SliceLength' });
      const body = await d.core.content.content(req.actor, FileId.read(p));
      if (offset >= body.size && !(offset === 0 && body.size === 0)) throw new KuraError('range_not_satisfiable', `SliceOffset ${offset} is beyond the file's ${body.size} bytes`);
      const slice = body.size === 0 ? undefined : { start: offset, end: Math.min(body.size, offset + length) - 1 };
      await sendFile(req, reply, body, { attachment: true, slice, headers: { 'x-file-length': String(body.size) } });
      return reply;
    },
  },
];
