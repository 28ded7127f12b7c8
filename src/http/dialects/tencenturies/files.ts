import type { FastifyPluginAsync } from 'fastify';
import { isKuraError, KuraError, Right } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf, int, paramsOf, type Params } from '../../shared/params.js';
import { sendFile } from '../../shared/send-file.js';
import type { Tencenturies } from './context.js';
import { NO_FILES, NOT_OWNER, ok } from './envelope.js';
import { fileObject } from './render.js';
import { CDN_RECIPE } from './types.js';

/** A CDN name: the id, `_original` for the full-size counterpart, any plain extension. */
const CDN_NAME = /^([1-9][0-9]{0,15})(_original)?(?:\.[A-Za-z0-9]{1,16})?$/;

/** Listing, details, deletion, and the public CDN copies. */
export const fileRoutes =
  (t: Tencenturies): FastifyPluginAsync =>
  async (app) => {
    const fileId = (p: Params) => idOf(p, 'id', decimalNumberCodec);

    /** A file the caller may see, live or deleted (a folder is no file here). */
    const fileOf = async (actor: Parameters<typeof t.core.items.getInAnyState>[0], id: number, right?: number) => {
      const item = await t.core.items.getInAnyState(actor, id, right);
      if (item.kind !== 'file') throw new KuraError('not_found', NO_FILES);
      return item;
    };

    // The account's files: those in its personal space's top folder (where uploads land), newest first.
    app.get('/', async (req) => {
      const p = paramsOf(req);
      const space = await t.personal(req.actor);
      const count = int(p, 'count', 1000);
      const offset = int(p, 'offset', 0);
      if (count < 1 || count > 1000) throw new KuraError('bad_request', 'count must be from 1 to 1000', { field: 'count' });
      if (offset < 0) throw new KuraError('bad_request', 'offset must be 0 or more', { field: 'offset' });
      const page = await t.core.items.children(req.actor, space.rootId, { kind: 'file', sort: 'created', order: 'desc', limit: count, offset });
      return ok(page.items.map((i) => fileObject(i, t.config.publicUrl)));
    });

    app.get('/:id', async (req) => {
      const item = await fileOf(req.actor, fileId(req.params as Params));
      return ok([fileObject(item, t.config.publicUrl)]);
    });

    app.delete('/', async () => {
      throw new KuraError('bad_request', 'No File Id Provided: DELETE /files/{file_id}');
    });

    // Soft delete (to the trash): only who may delete the file (its owner); a repeat reads as deleted again.
    app.delete('/:id', async (req) => {
      const id = fileId(req.params as Params);
      let item = await fileOf(req.actor, id, Right.DELETE).catch((e: unknown) => {
        if (isKuraError(e) && e.code === 'forbidden') throw new KuraError('forbidden', NOT_OWNER);
        throw e;
      });
      if (item.trashedAt === null) {
        await t.core.changes.trash(req.actor, id);
        item = await fileOf(req.actor, id);
      }
      return ok(fileObject(item, t.config.publicUrl));
    });

    // The CDN copies, public: the core's public-read rule decides (live, public links on,
    // nothing an access entry hides; misses rate-limited per client).
    app.get('/cdn/:name', { config: { auth: 'none' } }, async (req, reply) => {
      const m = CDN_NAME.exec((req.params as { name: string }).name);
      const id = m ? decimalNumberCodec.decode(m[1]) : undefined;
      if (!m || id === undefined) throw new KuraError('not_found', NO_FILES);
      const body = await t.core.publicReads.content(id, { client: req.ip, ...(m[2] ? {} : { made: CDN_RECIPE }) });
      await sendFile(req, reply, body);
      return reply;
    });
  };
