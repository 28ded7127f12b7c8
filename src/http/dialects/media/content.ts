import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, isKuraError, KuraError, type Core, type FileBody, type ImageRecipe } from '../../../core/index.js';
import { objectIdCodec } from '../../shared/ids.js';
import { paramsOf, str, type Params } from '../../shared/params.js';
import { sendFile } from '../../shared/send-file.js';
import { filesRoot, MEDIA } from './files.js';

/** The spec's default thumbnail size. */
const DEFAULT_SIZE = 750;

/** `<24 hex>` with an optional extension (`/file/<id>.jpeg`): the id. */
function fileId(raw: string, ext?: RegExp): number {
  const m = /^([0-9a-fA-F]{24})(\.[A-Za-z0-9]{1,16})?$/.exec(raw);
  const id = m && (!m[2] || !ext || ext.test(m[2])) ? objectIdCodec.decode(m[1]) : undefined;
  if (id === undefined) throw badRequest(`id must be ${objectIdCodec.one} (${objectIdCodec.form})${ext ? ', optionally followed by .jpeg' : ', optionally followed by an extension'}`, { field: 'id' });
  return id;
}

/**
 * `size`: `N` short edge ≤ N; `W,H` exactly W×H, cropped; `0,N` or `N,0` long edge ≤ N.
 * Bounds (1–4096) are the core's (derivatives.ts).
 */
export function thumbnailRecipe(p: Params): ImageRecipe {
  const raw = str(p, 'size', { optional: true }) ?? String(DEFAULT_SIZE);
  const m = /^\s*(\d{1,6})\s*(?:,\s*(\d{1,6})\s*)?$/.exec(raw);
  if (!m) throw badRequest('size must be N, W,H, 0,N or N,0 (whole numbers)', { field: 'size' });
  const a = Number(m[1]);
  if (m[2] === undefined) return { kind: 'short-edge', size: a };
  const b = Number(m[2]);
  if (a === 0 && b === 0) throw badRequest('size 0,0 names no thumbnail', { field: 'size' });
  if (a === 0 || b === 0) return { kind: 'long-edge', size: a || b };
  return { kind: 'cover', width: a, height: b };
}

/**
 * Downloads and thumbnails by id take a token when the caller has one (then the core's
 * rights decide), and otherwise are public reads (`<img src>` sends no header): the core's
 * public-read rule decides, and misses are rate limited. A caller who may not read a file
 * still gets it when anyone may. Either way only media files (MEDIA): anything else is 404.
 */
async function byId(core: Core, req: FastifyRequest, id: number, recipe?: ImageRecipe): Promise<FileBody> {
  const actor = req.optionalActor;
  if (actor) {
    try {
      return recipe ? await core.content.derivative(actor, id, recipe, { client: req.ip, ...MEDIA }) : await core.content.content(actor, id, undefined, MEDIA);
    } catch (e) {
      if (!isKuraError(e) || e.code !== 'not_found') throw e;
    }
  }
  return core.publicReads.content(id, { client: req.ip, recipe, ...MEDIA });
}

const send = async (req: FastifyRequest, reply: FastifyReply, body: FileBody) => {
  await sendFile(req, reply, body);
  return reply;
};

/** Downloads and thumbnails under /file. */
export const contentRoutes =
  (core: Core): FastifyPluginAsync =>
  async (app) => {
    const optional = { config: { auth: 'optional' as const } };
    const JPEG = /^\.jpe?g$/i;

    app.get<{ Params: Params }>('/thumbnail/:name', optional, async (req, reply) => {
      const recipe = thumbnailRecipe(paramsOf(req));
      return send(req, reply, await byId(core, req, fileId(String(req.params.name), JPEG), recipe));
    });
    app.get<{ Params: Params }>('/:id/thumbnail.jpeg', optional, async (req, reply) => {
      const recipe = thumbnailRecipe(paramsOf(req));
      return send(req, reply, await byId(core, req, fileId(String(req.params.id)), recipe));
    });
    const download = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => send(req, reply, await byId(core, req, fileId(String(req.params.id))));
    app.get('/:id', optional, download);
    app.get('/:id/', optional, download);
  };

/** The real MIME main types: `/:maintype/:name` answers only under these. */
export const MAIN_TYPES = ['image', 'audio', 'video', 'text', 'application', 'font', 'model'] as const;

/**
 * `GET /:maintype/:name`: the caller's file of that name (names are unique among the files
 * of the personal space root) whose main type is `maintype`. A name means nothing without
 * its owner, so this route needs the token.
 */
export const byNameRoutes =
  (core: Core, maintype: string): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: Params }>('/:name', async (req, reply) => {
      const name = str(req.params, 'name');
      const item = await core.items.childByName(req.actor, await filesRoot(core, req), name);
      if (item.kind !== 'file' || !(item.mime ?? 'application/octet-stream').startsWith(`${maintype}/`)) throw new KuraError('not_found', `no ${maintype} file named ${name}`);
      return send(req, reply, await core.content.content(req.actor, item.id, undefined, MEDIA));
    });
  };
