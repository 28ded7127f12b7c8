import type { FastifyRequest } from 'fastify';
import type { Actor, Conditions, Core, Item } from '../../../core/index.js';
import { KuraError } from '../../../core/index.js';
import { conditionsOf } from '../../shared/conditions.js';
import { DAV_PREFIX, itemNames, segmentsOf, spaceNames } from './hrefs.js';
import { parseIf, submittedTokens, type IfList } from './if-header.js';

/** The path of a tagged list's URL; undefined when it is no URL. */
function pathOf(url: string, base: string): string | undefined {
  try {
    return new URL(url, base).pathname;
  } catch {
    return undefined;
  }
}

/** The item a tagged If list names (its URL's path under /dav), if there. */
async function taggedItem(core: Core, actor: Actor, url: string, base: string): Promise<Item | undefined> {
  const path = pathOf(url, base);
  if (path === undefined || !path.startsWith(`${DAV_PREFIX}/`)) return undefined;
  const segments = segmentsOf(path);
  if (segments.length === 0) return undefined;
  try {
    const { space } = (await spaceNames(core, actor)).find(segments[0]);
    return await core.paths.resolve(actor, space.id, `/${itemNames(segments.slice(1)).join('/')}`);
  } catch {
    return undefined;
  }
}

/** Whether one list holds for `item` (undefined: nothing is there): every condition, Not inverting. */
async function holds(core: Core, actor: Actor, list: IfList, item: Item | undefined): Promise<boolean> {
  let tokens: Set<string> | undefined;
  for (const c of list.conditions) {
    let ok: boolean;
    if (c.token !== undefined) {
      tokens ??= new Set(item ? (await core.locks.list(actor, item.id)).map((l) => l.token) : []);
      ok = tokens.has(c.token);
    } else ok = item?.sha256 !== undefined && item.sha256 !== null && c.etag === item.sha256;
    if (ok === c.not) return false;
  }
  return true;
}

/**
 * The conditions of a WebDAV write: If-Match / If-None-Match / Lock-Token as every face
 * reads them, and the If header (RFC 4918 §10.4). The If header must hold (some list whose
 * conditions all hold, on the request's resource or the one its tag names), else
 * precondition_failed; the lock tokens it names (outside Not) are submitted to the core,
 * which refuses a write to a locked item without one (423).
 */
export async function davConditions(core: Core, req: FastifyRequest, item: Item | undefined): Promise<Conditions | undefined> {
  const base = conditionsOf(req);
  const header = req.headers.if;
  if (typeof header !== 'string' || header.trim() === '') return base;
  const lists = parseIf(header);
  const origin = `${req.protocol}://${req.host}`;
  let any = false;
  for (const list of lists) {
    const target = list.resource === undefined || pathOf(list.resource, origin) === req.url.split('?')[0] ? item : await taggedItem(core, req.actor, list.resource, origin);
    if (await holds(core, req.actor, list, target)) {
      any = true;
      break;
    }
  }
  if (!any) throw new KuraError('precondition_failed', 'no list of the If header holds', { header: 'If' });
  const tokens = [...(base?.lockTokens ?? []), ...submittedTokens(lists)];
  return { ...base, ...(tokens.length ? { lockTokens: [...new Set(tokens)] } : {}) };
}
