import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { Core, Item, Lock } from '../../../core/index.js';
import { badRequest, isKuraError, KuraError } from '../../../core/index.js';
import { lockTokens } from '../../shared/conditions.js';
import { davConditions } from './conditions.js';
import { hrefOf, segmentsOf } from './hrefs.js';
import { parseIf, submittedTokens } from './if-header.js';
import { activeLock } from './lock-xml.js';
import { locate } from './reads.js';
import { placeOf } from './writes.js';
import { DAV, innerXml, type XmlElement } from './xml-read.js';

/** Seconds a `Timeout` header asks for (the first it understands): undefined for Infinite or none. */
function timeoutOf(req: FastifyRequest): number | undefined {
  const v = req.headers.timeout;
  if (typeof v !== 'string') return undefined;
  for (const part of v.split(',')) {
    const t = part.trim();
    if (/^infinite$/i.test(t)) return undefined;
    const m = /^Second-(\d{1,10})$/i.exec(t);
    if (m) return Math.max(1, Number(m[1]));
  }
  return undefined;
}

/** What a LOCK body asks for: scope and owner (the type is always write). */
function lockInfoOf(body: XmlElement): { scope: 'exclusive' | 'shared'; owner: string } {
  if (body.ns !== DAV || body.name !== 'lockinfo') throw badRequest('LOCK needs a DAV:lockinfo body', { reason: 'xml' });
  const scopeEl = body.children.find((c) => c.ns === DAV && c.name === 'lockscope')?.children[0];
  const scope = scopeEl?.ns === DAV && (scopeEl.name === 'exclusive' || scopeEl.name === 'shared') ? scopeEl.name : undefined;
  if (!scope) throw badRequest('lockinfo needs a lockscope of exclusive or shared', { reason: 'xml' });
  const type = body.children.find((c) => c.ns === DAV && c.name === 'locktype')?.children[0];
  if (!type || type.ns !== DAV || type.name !== 'write') throw badRequest('only write locks exist', { reason: 'xml' });
  const owner = body.children.find((c) => c.ns === DAV && c.name === 'owner');
  return { scope, owner: owner ? innerXml(owner) : '' };
}

const answer = (reply: FastifyReply, status: number, lock: Lock, href: string) => {
  reply.code(status).header('Lock-Token', `<${lock.token}>`).header('Content-Type', 'application/xml; charset=utf-8');
  return reply.send(`<?xml version="1.0" encoding="utf-8"?>\n<d:prop xmlns:d="DAV:"><d:lockdiscovery>${activeLock(lock, href)}</d:lockdiscovery></d:prop>\n`);
};

/** LOCK and UNLOCK (RFC 4918 §9.10, §9.11) on the core's locks. */
export function lockRoutes(core: Core) {
  return async (app: FastifyInstance): Promise<void> => {
    app.route({
      method: 'LOCK',
      url: '/*',
      handler: async (req, reply) => {
        const body = req.body as XmlElement | undefined;
        const timeoutSeconds = timeoutOf(req);
        const segments = segmentsOf(req.url);
        if (!body) {
          // A refresh: the lock named in the If header, on the resource.
          const found = await locate(core, req.actor, req.url);
          if (found.resource.kind === 'root') throw badRequest('the list of spaces cannot be locked');
          const header = req.headers.if;
          const token = typeof header === 'string' ? submittedTokens(parseIf(header))[0] : undefined;
          if (!token) throw badRequest('a LOCK without a body refreshes a lock: name it in the If header', { header: 'If' });
          const lock = await core.locks.refresh(req.actor, found.resource.item.id, token, timeoutSeconds);
          return answer(reply, 200, lock, hrefOf(found.spaceSegment, found.names, found.resource.item.kind === 'folder'));
        }
        const info = lockInfoOf(body);
        const depthHeader = String(req.headers.depth ?? 'infinity').trim().toLowerCase();
        if (depthHeader !== '0' && depthHeader !== 'infinity') throw badRequest('LOCK takes Depth: 0 or infinity', { field: 'Depth' });
        const depth = depthHeader === '0' ? 0 : 'infinity';
        const place = await placeOf(core, req.actor, segments);
        let item: Item | undefined = place.existing;
        let status = 200;
        if (!item) {
          // A lock on a name where nothing is makes an empty file there (RFC 4918 §7.3).
          item = await core.uploads.upload(req.actor, place.parent.id, { name: place.name, stream: Readable.from([]) }, { onConflict: 'fail' });
          status = 201;
        }
        const conditions = await davConditions(core, req, item);
        const lock = await core.locks.take(req.actor, item.id, { scope: info.scope, depth, timeoutSeconds, owner: info.owner }, { conditions }).catch(async (e: unknown) => {
          // The empty file made for this lock goes when the lock is refused.
          if (status === 201) await core.changes.trash(req.actor, item.id).catch(() => undefined);
          throw isKuraError(e) && e.code === 'locked' ? new KuraError('locked', e.message, { ...e.details, condition: 'no-conflicting-lock' }) : e;
        });
        return answer(reply, status, lock, hrefOf(place.spaceSegment, place.names, item.kind === 'folder'));
      },
    });

    app.route({
      method: 'UNLOCK',
      url: '/*',
      handler: async (req, reply) => {
        const header = req.headers['lock-token'];
        if (typeof header !== 'string' || header.trim() === '') throw badRequest('UNLOCK needs a Lock-Token header', { header: 'Lock-Token' });
        const [token] = lockTokens(header);
        const found = await locate(core, req.actor, req.url);
        if (found.resource.kind === 'root') throw badRequest('the list of spaces has no locks');
        await core.locks.release(req.actor, found.resource.item.id, token).catch((e: unknown) => {
          throw isKuraError(e) && e.code === 'conflict' ? new KuraError('conflict', e.message, { ...e.details, condition: 'lock-token-matches-request-uri' }) : e;
        });
        reply.code(204).send();
      },
    });
  };
}
