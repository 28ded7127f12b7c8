import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KuraConfig } from '../../../config.js';
import type { Actor, Core, Item, Space } from '../../../core/index.js';
import { badRequest, isKuraError, KuraError } from '../../../core/index.js';
import { hasBody } from '../../body-guard.js';
import { bodyOf } from '../../shared/caller.js';
import { davConditions } from './conditions.js';
import { DAV_PREFIX, itemNames, segmentsOf, spaceNames } from './hrefs.js';
import { davRefusal } from './statuses.js';

/** Where a write lands: the folder it writes in and the name it writes. */
export interface Place {
  space: Space;
  /** The space's segment and the names below its root, the last being `name`. */
  spaceSegment: string;
  names: string[];
  parent: Item;
  name: string;
  /** What is there now under that name (the caller may see it), if anything. */
  existing: Item | undefined;
}

const conflict = (message: string) => new KuraError('conflict', message, { condition: 'parent-missing' });

/** The item named `name` in `folderId`, if there and visible to the caller. */
async function childOf(core: Core, actor: Actor, folderId: number, name: string): Promise<Item | undefined> {
  return core.items.childByName(actor, folderId, name).catch((e: unknown) => {
    if (isKuraError(e) && e.code === 'not_found') return undefined;
    throw e;
  });
}

/**
 * The place a path names: its space, the folder above it (409 when that is missing or a
 * file: RFC 4918 says a write never makes the collections above it) and its last name.
 * `/dav/` and a space's root are no place to write: 405.
 */
export async function placeOf(core: Core, actor: Actor, segments: string[]): Promise<Place> {
  if (segments.length < 2) throw new KuraError('forbidden', 'the list of spaces and a space itself cannot be written; write below a space', { condition: 'not-below-a-space' });
  const { space, segment } = (await spaceNames(core, actor)).find(segments[0]);
  const names = itemNames(segments.slice(1));
  const name = names[names.length - 1];
  const parent = await core.paths.resolve(actor, space.id, `/${names.slice(0, -1).join('/')}`).catch((e: unknown) => {
    throw isKuraError(e) && e.code === 'not_found' ? conflict('the collection above does not exist') : e;
  });
  if (parent.kind !== 'folder') throw conflict('the resource above is not a collection');
  return { space, spaceSegment: segment, names, parent, name, existing: await childOf(core, actor, parent.id, name) };
}

const etagOf = (item: Item) => (item.sha256 ? `"${item.sha256}"` : undefined);

/**
 * The length a client says it will send: Content-Length, or Finder's X-Expected-Entity-Length
 * with a chunked body; the larger where both are given.
 */
function announcedLength(req: FastifyRequest): number | undefined {
  let most: number | undefined;
  for (const h of ['content-length', 'x-expected-entity-length']) {
    const v = req.headers[h];
    if (typeof v !== 'string' || v === '') continue;
    if (!/^\d{1,16}$/.test(v)) throw badRequest(`${h} must be a number of bytes`, { header: h });
    most = Math.max(most ?? 0, Number(v));
  }
  return most;
}

/** The Destination of a COPY or MOVE as segments below /dav, judged by path: another server's is 502. */
function destinationOf(req: FastifyRequest, config: KuraConfig): string[] {
  const raw = req.headers.destination;
  if (typeof raw !== 'string' || raw === '') throw badRequest('COPY and MOVE need a Destination header', { header: 'Destination' });
  let url: URL;
  try {
    url = new URL(raw, `${req.protocol}://${req.host}`);
  } catch {
    throw badRequest('Destination is not a URL', { header: 'Destination' });
  }
  // Behind a TLS proxy the client's scheme and host differ from what Kura sees: the
  // request's own host and PUBLIC_URL's both count as this server.
  const ours = new Set([req.host.toLowerCase(), new URL(config.publicUrl).host.toLowerCase()]);
  if (!ours.has(url.host.toLowerCase())) throw davRefusal(502, 'the Destination is on another server');
  const under = config.publicUrlSet ? new URL(config.publicUrl).pathname.replace(/\/+$/, '') : '';
  const path = under && url.pathname.startsWith(`${under}/`) ? url.pathname.slice(under.length) : url.pathname;
  if (path !== DAV_PREFIX && !path.startsWith(`${DAV_PREFIX}/`)) throw davRefusal(502, 'the Destination is not under /dav/ on this server');
  return segmentsOf(path);
}

/** PUT, MKCOL, DELETE, COPY and MOVE under /dav. */
export function writeRoutes(core: Core, config: KuraConfig) {
  return async (app: FastifyInstance): Promise<void> => {
    app.put('/*', async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.headers['content-range'] !== undefined) throw badRequest('PUT with Content-Range is not accepted: send the whole content', { header: 'Content-Range' });
      const length = announcedLength(req);
      if (length !== undefined && length > config.uploadMaxBytes) {
        throw new KuraError('payload_too_large', `a file holds at most ${config.uploadMaxBytes} bytes`, { limit: config.uploadMaxBytes });
      }
      const place = await placeOf(core, req.actor, segmentsOf(req.url));
      const conditions = await davConditions(core, req, place.existing);
      if (place.existing?.kind === 'folder') {
        reply.header('Allow', 'OPTIONS, PROPFIND, MKCOL, DELETE, COPY, MOVE');
        throw davRefusal(405, 'a collection has no content to PUT');
      }
      let item: Item;
      if (place.existing) {
        // Rights, locks and conditions first: a refused write reads no byte of the body.
        await core.uploads.checkVersionTarget(req.actor, place.existing.id, { conditions });
        item = await core.uploads.uploadVersion(req.actor, place.existing.id, bodyOf(req), { conditions });
        reply.code(204);
      } else {
        await core.uploads.checkTarget(req.actor, place.parent.id, { conditions, name: place.name, onConflict: 'version' });
        item = await core.uploads.upload(req.actor, place.parent.id, { name: place.name, stream: bodyOf(req) }, { conditions, onConflict: 'version' });
        reply.code(item.version > 1 ? 204 : 201);
      }
      const etag = etagOf(item);
      if (etag) reply.header('ETag', etag);
      reply.header('Content-Length', '0').send();
    });

    app.route({
      method: 'MKCOL',
      url: '/*',
      handler: async (req, reply) => {
        if (hasBody(req.headers)) throw new KuraError('unsupported_type', 'MKCOL with a body is not understood', { condition: 'mkcol-body' });
        const place = await placeOf(core, req.actor, segmentsOf(req.url));
        if (place.existing) throw davRefusal(405, 'something already has that name');
        await core.changes.createFolder(req.actor, place.parent.id, place.name, { onConflict: 'fail', conditions: await davConditions(core, req, undefined) }).catch((e: unknown) => {
          throw isKuraError(e) && e.code === 'name_conflict' ? davRefusal(405, 'something already has that name') : e;
        });
        reply.code(201).header('Content-Length', '0').send();
      },
    });

    app.delete('/*', async (req, reply) => {
      const segments = segmentsOf(req.url);
      const place = await placeOf(core, req.actor, segments);
      if (!place.existing) throw new KuraError('not_found', 'no such resource');
      await core.changes.trash(req.actor, place.existing.id, { conditions: await davConditions(core, req, place.existing) });
      reply.code(204).send();
    });

    const copyOrMove = (move: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
      const source = await placeOf(core, req.actor, segmentsOf(req.url));
      const from = source.existing;
      if (!from) throw new KuraError('not_found', 'no such resource');
      const depth = String(req.headers.depth ?? 'infinity').trim().toLowerCase();
      if (depth !== 'infinity' && !(depth === '0' && !move)) throw badRequest(move ? 'MOVE takes Depth: infinity only' : 'COPY takes Depth: 0 or infinity', { field: 'Depth' });
      const overwrite = String(req.headers.overwrite ?? 'T').trim().toUpperCase();
      if (overwrite !== 'T' && overwrite !== 'F') throw badRequest('Overwrite must be T or F', { header: 'Overwrite' });
      const to = await placeOf(core, req.actor, destinationOf(req, config));
      if (to.existing?.id === from.id) throw new KuraError('forbidden', 'the source and the destination are the same resource', { condition: 'same-resource' });
      if (to.existing && overwrite === 'F') throw new KuraError('precondition_failed', 'the destination exists and Overwrite is F', { condition: 'overwrite' });
      const conditions = await davConditions(core, req, from);
      // A file onto a file: the destination takes the content as a new version (same id,
      // shares and history), so an editor's save-by-rename keeps history. Anything else onto
      // something: the destination goes to the trash first (RFC 4918 §9.9.3, §9.8.4).
      const replaceFile = to.existing?.kind === 'file' && from.kind === 'file';
      if (to.existing && !replaceFile) await core.changes.trash(req.actor, to.existing.id, { conditions });
      const opts = { name: to.name, onConflict: replaceFile ? ('replace' as const) : ('fail' as const), conditions };
      if (move) await core.changes.move(req.actor, from.id, to.parent.id, opts);
      else if (depth === '0' && from.kind === 'folder') await core.changes.createFolder(req.actor, to.parent.id, to.name, { onConflict: 'fail', conditions });
      else await core.changes.copy(req.actor, from.id, to.parent.id, opts);
      reply.code(to.existing ? 204 : 201).header('Content-Length', '0').send();
    };
    app.route({ method: 'COPY', url: '/*', handler: copyOrMove(false) });
    app.route({ method: 'MOVE', url: '/*', handler: copyOrMove(true) });
  };
}
