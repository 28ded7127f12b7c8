import type { Actor, Core, Space } from '../../../core/index.js';
import { badRequest, KuraError, splitPath } from '../../../core/index.js';

/** Where WebDAV is mounted. */
export const DAV_PREFIX = '/dav';

/**
 * The segments of a request's path below the mount, each percent-decoded on its own (so an
 * encoded `/` stays inside its segment) and NFC-normalised (Finder sends names decomposed).
 * Empty segments (`//`, the trailing `/` of a collection) are dropped.
 */
export function segmentsOf(rawUrl: string): string[] {
  const path = rawUrl.split('?')[0];
  if (!path.startsWith(DAV_PREFIX)) throw new KuraError('not_found', 'not a WebDAV path');
  return path
    .slice(DAV_PREFIX.length)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(s);
      } catch {
        throw badRequest('the path holds a malformed percent-escape', { field: 'path' });
      }
      return decoded.normalize('NFC');
    });
}

/** A path segment as an href holds it. */
export const encodeSegment = (s: string): string => encodeURIComponent(s);

/** The href of a resource: the space's segment, then the names below its root; collections end in `/`. */
export function hrefOf(spaceSegment: string | null, names: readonly string[], collection: boolean): string {
  if (spaceSegment === null) return `${DAV_PREFIX}/`;
  const tail = names.map(encodeSegment).join('/');
  return `${DAV_PREFIX}/${encodeSegment(spaceSegment)}/${tail}${tail && collection ? '/' : ''}`;
}

/** The caller's spaces under the names `/dav/` shows them by. */
export interface SpaceNames {
  spaces: { segment: string; space: Space }[];
  /** The space a first segment names (its shown name, or its id), or not_found. */
  find(segment: string): { segment: string; space: Space };
}

/**
 * Each space is shown by its name; where two of the caller's spaces share a name (or a name
 * cannot be one segment), by `name (id)`. A space's id alone finds it too.
 */
export async function spaceNames(core: Core, actor: Actor): Promise<SpaceNames> {
  const mine = await core.spaces.listMine(actor);
  const count = new Map<string, number>();
  const nameOf = (s: Space) => s.name.normalize('NFC');
  for (const s of mine) count.set(nameOf(s), (count.get(nameOf(s)) ?? 0) + 1);
  const usable = (n: string) => n !== '' && n !== '.' && n !== '..' && !n.includes('/');
  const spaces = mine.map((space) => {
    const n = nameOf(space);
    return { segment: count.get(n) === 1 && usable(n) && !/^\d+$/.test(n) ? n : `${usable(n) ? n : 'space'} (${space.id})`, space };
  });
  const bySegment = new Map(spaces.map((s) => [s.segment, s]));
  return {
    spaces,
    find(segment) {
      const hit = bySegment.get(segment) ?? (/^\d{1,16}$/.test(segment) ? spaces.find((s) => s.space.id === Number(segment)) : undefined);
      if (!hit) throw new KuraError('not_found', 'no such space', { path: `/${segment}` });
      return hit;
    },
  };
}

/** The names below a space's root, checked as item names are. */
export function itemNames(segments: readonly string[]): string[] {
  if (segments.some((s) => s.includes('/'))) throw badRequest('a name cannot hold "/"', { field: 'path' });
  return segments.length === 0 ? [] : splitPath(`/${segments.join('/')}`);
}
