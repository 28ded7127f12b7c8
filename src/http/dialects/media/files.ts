import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { PERSONAL_TOP, type Core, type Item } from '../../../core/index.js';
import { objectIdCodec } from '../../shared/ids.js';
import { withFiles } from '../../shared/multipart.js';
import { idOf, paramsOf, str, type Params } from '../../shared/params.js';
import { listOptions } from './query.js';
import { mediaFile, mediaStats } from './render.js';

/** Most files in one upload request. */
const MAX_FILES = 100;

/** The root folder of the caller's personal space: where the media API's files are. */
export const filesRoot = async (core: Core, req: FastifyRequest): Promise<number> => (await core.spaces.personal(req.actor)).rootId;

/**
 * The media API's scope: files at the top of a personal space (what the list shows of the
 * caller's own). Every route by id passes it to the core, which answers 404 outside it.
 */
export const MEDIA = { within: PERSONAL_TOP };

/** Upload, list, delete, rename and statistics. */
export const fileRoutes =
  (core: Core): FastifyPluginAsync =>
  async (app) => {
    const upload = async (req: FastifyRequest) => {
      const root = await filesRoot(core, req);
      // Every `files` part is staged as it streams in; all are recorded in one transaction
      // once the body is complete (all or nothing); a clash renames (`name (1).ext`). Public:
      // spec 001 serves downloads and thumbnails by id without a token.
      const items = await withFiles(req, 'files', (_f, files) => core.uploads.uploadMany(req.actor, root, files, { onConflict: 'rename', public: true }), { files: MAX_FILES });
      return { files: items.map(mediaFile) };
    };
    app.post('/upload', upload);
    app.put('/', upload);

    // The caller's own media files: the files of its personal root (PERSONAL_TOP).
    const list = async (req: FastifyRequest) => {
      const page = await core.items.children(req.actor, await filesRoot(core, req), listOptions(paramsOf(req)));
      return { files: page.items.map(mediaFile), total: page.total };
    };
    app.get('/list', list);
    app.get('/', list);

    /** A media file the caller may see, by id (folders, sub-folders and other spaces are not the media API's). */
    const file = (req: FastifyRequest, id: number): Promise<Item> => core.items.get(req.actor, id, MEDIA);

    // Deleted for good: the media API has no trash to empty (docs/media.md).
    const del = async (req: FastifyRequest, id: number) => mediaFile(await core.changes.destroy(req.actor, id, MEDIA));
    app.post('/del', (req) => del(req, idOf(paramsOf(req), 'id', objectIdCodec)));
    app.delete<{ Params: Params }>('/:id', (req) => del(req, idOf(req.params, 'id', objectIdCodec)));

    const update = async (req: FastifyRequest, id: number) => {
      const item = await file(req, id);
      const name = str(paramsOf(req), 'name', { optional: true });
      if (name === undefined || name === item.name) return mediaFile(item);
      return mediaFile(await core.changes.update(req.actor, id, { name }, MEDIA));
    };
    app.post('/update', (req) => update(req, idOf(paramsOf(req), 'id', objectIdCodec)));
    app.post<{ Params: Params }>('/:id', (req) => update(req, idOf(req.params, 'id', objectIdCodec)));

    app.get('/stat', async (req) => mediaStats(await core.usage.global(req.actor)));
    app.get('/stat/self', async (req) => mediaStats(await core.usage.personal(req.actor)));
  };
