import { badRequest, type DeadProp, type Item, type Space } from '../../../core/index.js';
import { SUPPORTED_LOCK } from './lock-xml.js';
import { DAV, type XmlElement } from './xml-read.js';
import { escapeXml, type PropValue } from './xml-write.js';

export const OC = 'http://owncloud.org/ns';

/** A property's name: namespace URI and local name. */
export interface PropName {
  ns: string;
  name: string;
}

/** What a resource under /dav is: the root (the caller's spaces), a space's root folder, or an item below it. */
export type Resource =
  | { kind: 'root' }
  | { kind: 'item'; item: Item; space: Space; isSpaceRoot: boolean; label: string; dead?: readonly DeadProp[]; /** lockdiscovery's content, when asked for. */ locks?: string };

type Live = (r: Resource) => string | null | undefined;

const httpDate = (ms: number) => new Date(ms).toUTCString();
const isoDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const file = (r: Resource) => (r.kind === 'item' && r.item.kind === 'file' ? r.item : undefined);
const itemOf = (r: Resource) => (r.kind === 'item' ? r.item : undefined);
/** Bytes left in a space under its quota (reservations count), or undefined where it has none. */
const available = (s: Space) => (s.quota.bytes === null ? undefined : Math.max(0, s.quota.bytes - s.usage.bytes - s.usage.reserved));

/**
 * The live properties, in the order allprop answers them. A value is XML (already escaped);
 * `undefined` means the resource does not have the property (404 in its propstat).
 */
const LIVE: readonly (PropName & { get: Live; allprop: boolean })[] = [
  { ns: DAV, name: 'displayname', allprop: true, get: (r) => (r.kind === 'root' ? '' : escapeXml(r.label)) },
  { ns: DAV, name: 'resourcetype', allprop: true, get: (r) => (file(r) ? '' : '<d:collection/>') },
  { ns: DAV, name: 'getcontentlength', allprop: true, get: (r) => (file(r) ? String(file(r)!.size) : undefined) },
  { ns: DAV, name: 'getcontenttype', allprop: true, get: (r) => (file(r) ? escapeXml(file(r)!.mime ?? 'application/octet-stream') : undefined) },
  { ns: DAV, name: 'getetag', allprop: true, get: (r) => (file(r)?.sha256 ? escapeXml(`"${file(r)!.sha256}"`) : undefined) },
  { ns: DAV, name: 'getlastmodified', allprop: true, get: (r) => (itemOf(r) ? httpDate(itemOf(r)!.modifiedAt) : undefined) },
  { ns: DAV, name: 'creationdate', allprop: true, get: (r) => (itemOf(r) ? isoDate(itemOf(r)!.createdAt) : undefined) },
  { ns: DAV, name: 'supportedlock', allprop: true, get: (r) => (r.kind === 'item' ? SUPPORTED_LOCK : undefined) },
  { ns: DAV, name: 'lockdiscovery', allprop: true, get: (r) => (r.kind === 'item' ? (r.locks ?? '') : undefined) },
  { ns: OC, name: 'fileid', allprop: true, get: (r) => (itemOf(r) ? String(itemOf(r)!.id) : undefined) },
  // RFC 4331: on collections, and never in allprop.
  { ns: DAV, name: 'quota-used-bytes', allprop: false, get: (r) => (r.kind === 'item' && r.item.kind === 'folder' ? String(r.space.usage.bytes) : undefined) },
  {
    ns: DAV,
    name: 'quota-available-bytes',
    allprop: false,
    get: (r) => {
      if (r.kind !== 'item' || r.item.kind !== 'folder') return undefined;
      const left = available(r.space);
      return left === undefined ? undefined : String(left);
    },
  },
];

const key = (p: PropName) => `${p.ns}\u0000${p.name}`;
const BY_NAME = new Map(LIVE.map((p) => [key(p), p]));

/** Whether a property is one of Kura's live ones (never stored: PROPPATCH of it is 403). */
export const isLive = (p: PropName): boolean => BY_NAME.has(key(p));

/** Whether answering `req` needs the resources' locks (lockdiscovery). */
export const needsLocks = (req: PropRequest): boolean => req.kind === 'allprop' || (req.kind === 'prop' && req.names.some((n) => n.ns === DAV && n.name === 'lockdiscovery'));

/** Whether answering `req` needs the resources' dead properties. */
export const needsDead = (req: PropRequest): boolean => req.kind !== 'prop' || req.names.some((n) => !isLive(n));

/** What a PROPFIND asks for: every property (allprop, with `include`), only names, or a list. */
export type PropRequest = { kind: 'allprop'; include: PropName[] } | { kind: 'propname' } | { kind: 'prop'; names: PropName[] };

/** The PROPFIND body read (none, or an empty one, is allprop). bad_request when it is not a propfind. */
export function propRequestOf(body: XmlElement | undefined): PropRequest {
  if (!body) return { kind: 'allprop', include: [] };
  if (body.ns !== DAV || body.name !== 'propfind') throw badRequest('the body must be a DAV:propfind element', { reason: 'xml' });
  const el = body.children.find((c) => c.ns === DAV && ['allprop', 'propname', 'prop'].includes(c.name));
  if (!el) return { kind: 'allprop', include: [] };
  if (el.name === 'propname') return { kind: 'propname' };
  const names = (of: XmlElement | undefined) => (of?.children ?? []).map((c) => ({ ns: c.ns, name: c.name }));
  if (el.name === 'allprop') return { kind: 'allprop', include: names(body.children.find((c) => c.ns === DAV && c.name === 'include')) };
  return { kind: 'prop', names: names(el) };
}

/** The properties of `r` a request asks for: found (200) and not there (404). */
export function propsOf(r: Resource, req: PropRequest): { found: PropValue[]; missing: PropName[] } {
  const found: PropValue[] = [];
  const missing: PropName[] = [];
  const dead = r.kind === 'item' ? (r.dead ?? []) : [];
  if (req.kind === 'propname') {
    for (const p of LIVE) if (p.get(r) !== undefined) found.push({ ns: p.ns, name: p.name, xml: null });
    for (const p of dead) found.push({ ns: p.ns, name: p.name, xml: null });
    return { found, missing };
  }
  const wanted: PropName[] =
    req.kind === 'prop' ? req.names : [...LIVE.filter((p) => p.allprop), ...dead, ...req.include.filter((p) => !BY_NAME.get(key(p))?.allprop)];
  const deadByName = new Map(dead.map((p) => [key(p), p]));
  const seen = new Set<string>();
  for (const name of wanted) {
    const k = key(name);
    if (seen.has(k)) continue;
    seen.add(k);
    const live = BY_NAME.get(k);
    const xml = live ? live.get(r) : deadByName.get(k)?.xml;
    if (xml === undefined || xml === null) {
      if (req.kind !== 'allprop' || !live) missing.push({ ns: name.ns, name: name.name });
      continue;
    }
    found.push({ ns: name.ns, name: name.name, xml });
  }
  return { found, missing };
}
