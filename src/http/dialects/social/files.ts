import type { FastifyPluginAsync } from 'fastify';
import { isKuraError, isRaster, KuraError, type Core, type Item } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { withFile } from '../../shared/multipart.js';
import { idOf, str, type Params } from '../../shared/params.js';
import { sendFile } from '../../shared/send-file.js';
import { attribute, fileIdOf } from './render.js';

/** "文件大小需小于30MB": at most 30 MiB − 1 byte; 413 while streaming beyond. */
export const GENERIC_MAX_BYTES = 30 * 1024 * 1024 - 1;
/** Longest description and custom tag. */
const TEXT_MAX = 4096;
const TAG_MAX = 255;

const idParams = { type: 'object', properties: { file_id: { type: 'string' } }, required: ['file_id'] } as const;

/** The `type` field against the sniffed content: image is a raster image, video a video. */
function checkType(fields: Params, mime: string): void {
  const type = str(fields, 'type');
  if (type !== 'image' && type !== 'video') throw new KuraError('bad_request', 'type must be image or video', { field: 'type' });
  const ok = type === 'image' ? isRaster(mime) : mime.startsWith('video/');
  if (!ok) throw new KuraError('unsupported_type', `the file is not ${type === 'image' ? 'an image' : 'a video'} (its content is ${mime})`, { field: 'type', mime });
}

function text(fields: Params, name: string, max: number): string | undefined {
  const v = str(fields, name, { optional: true });
  if (v !== undefined && v.length > max) throw new KuraError('bad_request', `${name} is longer than ${max} characters`, { field: name });
  return v;
}

/** Generic uploads (deleted unless pinned in time), public data, attributes. */
export const fileRoutes =
  (core: Core): FastifyPluginAsync =>
  async (app) => {
    app.post('/', async (req, reply) => {
      const item = await withFile(req, 'file', (fields, file) => {
        // Fields may come before or after the file: they are read once the body has ended.
        const opts = {
          // Spec 000 serves a file's data by id without a token.
          public: true,
          maxBytes: GENERIC_MAX_BYTES,
          accept: ({ mime }: { mime: string }) => checkType(fields, mime),
          get description() {
            return text(fields, 'description', TEXT_MAX);
          },
          get customTag() {
            return text(fields, 'custom_tag', TAG_MAX);
          },
        };
        return core.slots.uploadUnpinned(req.actor, { name: file.name || 'file', stream: file.stream }, opts);
      });
      reply.code(201);
      return fileIdOf(item);
    });

    app.route<{ Params: { file_id: string } }>({
      method: ['GET', 'HEAD'],
      url: '/:file_id/data',
      schema: { params: idParams },
      config: { auth: 'none' },
      handler: async (req, reply) => {
        const body = await core.publicReads.content(idOf(req.params, 'file_id', decimalNumberCodec), { client: req.ip });
        await sendFile(req, reply, body);
        return reply;
      },
    });

    app.get<{ Params: { file_id: string } }>('/:file_id/attribute', { schema: { params: idParams } }, async (req) => {
      const id = idOf(req.params, 'file_id', decimalNumberCodec);
      let item: Item;
      try {
        item = await core.items.get(req.actor, id);
      } catch (e) {
        // A file anyone may download by id: its attributes are no secret to a signed-in caller.
        if (!isKuraError(e) || e.code !== 'not_found') throw e;
        item = await core.publicReads.item(id, { client: req.ip });
      }
      if (item.kind !== 'file') throw new KuraError('not_found', 'file not found');
      return attribute(item);
    });
  };
