import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, Core, Item, Lock } from '../../../core/index.js';
import { KuraError } from '../../../core/index.js';
import { sendFile } from '../../shared/send-file.js';
import { hrefOf, itemNames, segmentsOf, spaceNames } from './hrefs.js';
import { needsDead, needsLocks, propRequestOf, propsOf, type PropRequest, type Resource } from './props.js';
import { activeLock } from './lock-xml.js';
import { parseXml, type XmlElement } from './xml-read.js';
import { davMessage, MULTISTATUS_END, MULTISTATUS_START, response } from './xml-write.js';

/** What WebDAV says it can do: class 1 and locks (class 2). */
export const DAV_CLASSES = '1, 2';
export const ALLOWED = 'OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, PUT, MKCOL, DELETE, COPY, MOVE, LOCK, UNLOCK';

/** A resource found by a request's path, with the names that lead to it. */
interface Found {
  resource: Resource;
  spaceSegment: string | null;
  names: string[];
}

/** The resource at a request's path: the root, a space (its root folder), or an item below it. */
export async function locate(core: Core, actor: Actor, rawUrl: string): Promise<Found> {
  const segments = segmentsOf(rawUrl);
  if (segments.length === 0) return { resource: { kind: 'root' }, spaceSegment: null, names: [] };
  const spaces = await spaceNames(core, actor);
  const { segment, space } = spaces.find(segments[0]);
  const names = itemNames(segments.slice(1));
  const item = await core.paths.resolve(actor, space.id, `/${names.join('/')}`);
  return { resource: { kind: 'item', item, space, isSpaceRoot: names.length === 0, label: names.length === 0 ? segment : item.name }, spaceSegment: segment, names };
}

/** Depth of a PROPFIND: 0 or 1; infinity (also when the header is absent, RFC 4918 §9.1) is refused. */
function depthOf(req: FastifyRequest): 0 | 1 {
  const d = String(req.headers.depth ?? 'infinity').trim().toLowerCase();
  if (d === '0') return 0;
  if (d === '1') return 1;
  if (d === 'infinity') throw new KuraError('forbidden', 'PROPFIND with Depth: infinity is not served; ask for Depth 0 or 1', { condition: 'propfind-finite-depth' });
  throw new KuraError('bad_request', 'Depth must be 0, 1 or infinity', { field: 'Depth' });
}

const isCollection = (r: Resource) => r.kind === 'root' || r.item.kind === 'folder';

function propfindBody(req: FastifyRequest): PropRequest {
  const body = req.body as XmlElement | undefined;
  return propRequestOf(body);
}

/** OPTIONS, PROPFIND (depth 0 and 1), GET and HEAD under /dav. */
export function readRoutes(core: Core) {
  return async (app: FastifyInstance): Promise<void> => {
    const options = async (_req: FastifyRequest, reply: FastifyReply) => {
      reply.header('DAV', DAV_CLASSES).header('MS-Author-Via', 'DAV').header('Allow', ALLOWED).header('Content-Length', '0');
      reply.code(200).send();
    };
    app.options('/', { config: { auth: 'none' } }, options);
    app.options('/*', { config: { auth: 'none' } }, options);

    const propfind = async (req: FastifyRequest, reply: FastifyReply) => {
      const depth = depthOf(req);
      const asked = propfindBody(req);
      const found = await locate(core, req.actor, req.url);
      const parts: string[] = [MULTISTATUS_START];
      const add = (r: Resource, segment: string | null, names: string[]) => {
        const { found: props, missing } = propsOf(r, asked);
        parts.push(response(hrefOf(segment, names, isCollection(r)), props, missing));
      };
      const dead = needsDead(asked);
      const withLocks = needsLocks(asked);
      const top = found.resource;
      const topHref = hrefOf(found.spaceSegment, found.names, isCollection(top));
      // The href of a lock's root: this resource's, or found by the item's path.
      const rootHref = async (l: Lock) => {
        if (top.kind === 'item' && l.itemId === top.item.id) return topHref;
        const at = await core.paths.of(req.actor, l.itemId).catch(() => undefined);
        return at ? hrefOf(found.spaceSegment, at.levels.slice(1).map((x) => x.name), true) : topHref;
      };
      const discovery = async (locks: readonly Lock[]) => (await Promise.all(locks.map(async (l) => activeLock(l, await rootHref(l))))).join('');
      if (dead && top.kind === 'item') top.dead = await core.deadProps.of(req.actor, top.item.id);
      if (withLocks && top.kind === 'item') top.locks = await discovery(await core.locks.list(req.actor, top.item.id));
      add(top, found.spaceSegment, found.names);
      if (depth === 1 && top.kind === 'root') {
        const spaces = await spaceNames(core, req.actor);
        for (const { segment, space } of spaces.spaces) {
          const root = await core.items.get(req.actor, space.rootId).catch(() => undefined);
          if (!root) continue;
          const props = dead ? await core.deadProps.of(req.actor, root.id) : undefined;
          add({ kind: 'item', item: root, space, isSpaceRoot: true, label: segment, dead: props }, segment, []);
        }
      } else if (depth === 1 && top.kind === 'item' && top.item.kind === 'folder') {
        const { space } = top;
        const [children, props, locks] = await Promise.all([
          core.items.allChildren(req.actor, top.item.id),
          dead ? core.deadProps.ofChildren(req.actor, top.item.id) : undefined,
          withLocks ? core.locks.ofChildren(req.actor, top.item.id) : undefined,
        ]);
        const inherited = locks ? await discovery(locks.inherited) : undefined;
        for (const c of children as Item[]) {
          const own = locks?.byChild.get(c.id);
          const names = [...found.names, c.name];
          const lockXml = own ? inherited! + own.map((l) => activeLock(l, hrefOf(found.spaceSegment, names, c.kind === 'folder'))).join('') : inherited;
          add({ kind: 'item', item: c, space, isSpaceRoot: false, label: c.name, dead: props?.get(c.id), locks: lockXml }, found.spaceSegment, names);
        }
      }
      parts.push(MULTISTATUS_END);
      reply.code(207).header('Content-Type', 'application/xml; charset=utf-8').header('Vary', 'Depth, Authorization');
      reply.send(parts.join(''));
    };
    app.route({ method: 'PROPFIND', url: '/', handler: propfind });
    app.route({ method: 'PROPFIND', url: '/*', handler: propfind });

    const get = async (req: FastifyRequest, reply: FastifyReply) => {
      const found = await locate(core, req.actor, req.url);
      const r = found.resource;
      if (r.kind === 'root' || r.item.kind === 'folder') {
        // A collection has no content of its own: clients list it with PROPFIND.
        reply.code(405).header('Allow', ALLOWED).header('Content-Type', 'application/xml; charset=utf-8');
        return reply.send(davMessage('a collection has no content to GET; list it with PROPFIND'));
      }
      await sendFile(req, reply, await core.content.content(req.actor, r.item.id), { attachment: true });
      // The reply is sent (a stream may still be flowing): Fastify must not send again.
      return reply;
    };
    app.get('/', get);
    app.get('/*', get);
  };
}

/** Reads an XML body (PROPFIND, PROPPATCH, LOCK) for the parser of the webdav scope. */
export const xmlBody = (text: string): XmlElement | undefined => (text.trim() === '' ? undefined : parseXml(text));
