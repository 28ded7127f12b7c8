import type { FastifyInstance } from 'fastify';
import type { Core, DeadPropChange } from '../../../core/index.js';
import { badRequest, isKuraError } from '../../../core/index.js';
import { davConditions } from './conditions.js';
import { hrefOf } from './hrefs.js';
import { isLive, type PropName } from './props.js';
import { locate } from './reads.js';
import { DAV, innerXml, type XmlElement } from './xml-read.js';
import { escapeXml, MULTISTATUS_END, MULTISTATUS_START, propstats } from './xml-write.js';

/** The changes of a DAV:propertyupdate body, in document order (bad_request when it is not one). */
function changesOf(body: XmlElement | undefined): DeadPropChange[] {
  if (!body || body.ns !== DAV || body.name !== 'propertyupdate') throw badRequest('PROPPATCH needs a DAV:propertyupdate body', { reason: 'xml' });
  const changes: DeadPropChange[] = [];
  for (const action of body.children) {
    if (action.ns !== DAV || (action.name !== 'set' && action.name !== 'remove')) continue;
    for (const prop of action.children.filter((c) => c.ns === DAV && c.name === 'prop')) {
      for (const p of prop.children) {
        changes.push(action.name === 'set' ? { op: 'set', ns: p.ns, name: p.name, xml: innerXml(p) } : { op: 'remove', ns: p.ns, name: p.name });
      }
    }
  }
  if (changes.length === 0) throw badRequest('the propertyupdate changes no property', { reason: 'xml' });
  return changes;
}

/**
 * PROPPATCH: dead properties in any namespace, all or nothing (RFC 4918 §9.2). A live
 * property cannot be set or removed: it is 403 and every other one 424, nothing changed.
 * A value past 64 KiB or an item's properties past 1 MiB is 507 for the whole patch.
 */
export function proppatchRoutes(core: Core) {
  return async (app: FastifyInstance): Promise<void> => {
    app.route({
      method: 'PROPPATCH',
      url: '/*',
      handler: async (req, reply) => {
        const changes = changesOf(req.body as XmlElement | undefined);
        const found = await locate(core, req.actor, req.url);
        if (found.resource.kind === 'root') throw badRequest('the list of spaces has no properties to change');
        const r = found.resource;
        const names: PropName[] = changes.map((c) => ({ ns: c.ns, name: c.name }));
        const protectedOnes = names.filter(isLive);
        let statuses: { status: number; names: PropName[] }[];
        if (protectedOnes.length > 0) {
          statuses = [
            { status: 403, names: protectedOnes },
            { status: 424, names: names.filter((n) => !isLive(n)) },
          ];
        } else {
          try {
            await core.deadProps.patch(req.actor, r.item.id, changes, { conditions: await davConditions(core, req, r.item) });
            statuses = [{ status: 200, names }];
          } catch (e) {
            if (!isKuraError(e) || (e.code !== 'payload_too_large' && e.code !== 'quota_exceeded')) throw e;
            const culprit = typeof e.details?.property === 'string' ? names.filter((n) => n.name === e.details!.property) : names;
            statuses = [
              { status: 507, names: culprit },
              { status: 424, names: names.filter((n) => !culprit.includes(n)) },
            ];
          }
        }
        const href = hrefOf(found.spaceSegment, found.names, r.item.kind === 'folder');
        reply.code(207).header('Content-Type', 'application/xml; charset=utf-8');
        reply.send(`${MULTISTATUS_START}<d:response><d:href>${escapeXml(href)}</d:href>${propstats(statuses)}</d:response>${MULTISTATUS_END}`);
      },
    });
  };
}
