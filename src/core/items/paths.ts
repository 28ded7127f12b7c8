import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, isKuraError, KuraError } from '../errors.js';
import { checkName } from '../names.js';
import type { ItemRow, MetadataStore } from '../ports/index.js';
import { toItem, type Item } from './view.js';

/** Most levels a path may have. */
export const MAX_PATH_LEVELS = 1000;

/** One level of a path: what breadcrumbs show. */
export interface PathLevel {
  id: number;
  name: string;
}

/** Where an item is: its space, its path from the space root, and every level (the root first, the item last). */
export interface ItemPath {
  spaceId: number;
  /** `/` for the root, else `/a/b/c`: the names below the root (no escaping: a name holds no `/`). */
  path: string;
  levels: PathLevel[];
}

/**
 * The names of a path (`/a/b/c` → `a`, `b`, `c`), each checked and normalised as a name is
 * when it is stored (NFC, so a name sent decomposed, as macOS does, finds its stored twin).
 * The leading `/` is optional; empty segments (`//`, a trailing `/`) are skipped; `.` and
 * `..` are refused, never followed. bad_request names the segment at fault.
 */
export function splitPath(path: unknown): string[] {
  if (typeof path !== 'string') throw badRequest('path must be a string', { field: 'path' });
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length > MAX_PATH_LEVELS) throw badRequest(`a path has at most ${MAX_PATH_LEVELS} levels`, { field: 'path' });
  return parts.map((p, i) => checkName(p, `path segment ${i + 1}`));
}

/** `/` for no names, else `/a/b`. */
export const joinPath = (names: readonly string[]): string => `/${names.join('/')}`;

/**
 * Paths in a space: `/a/b/c` to an item and back, each in one recursive query (the walk
 * down uses the live-name index), through what the caller may see and list only. Trashed
 * items are on no path. The web app's deep links and breadcrumbs and WebDAV's URLs use it.
 */
export class PathService {
  constructor(
    private readonly store: MetadataStore,
    private readonly access: Access,
  ) {}

  /** The live item at `path` in a space; not_found when it is not there or not for the caller to reach. */
  async resolve(actor: Actor, spaceId: number, path: unknown): Promise<Item> {
    return toItem((await this.resolveRow(actor, spaceId, splitPath(path))).item);
  }

  /**
   * The row at the end of `names` (from splitPath) and the caller's rights on it: for faces
   * that go on with it (WebDAV resolves a destination's folder, then places a name in it).
   */
  async resolveRow(actor: Actor, spaceId: number, names: string[]): Promise<{ item: ItemRow; rights: number }> {
    const chain = await this.store.items.walk(spaceId, names);
    // Not there, hidden on the way, or in a space that does not exist: one answer for all.
    const missing = () => new KuraError('not_found', 'no such path', { path: joinPath(names) });
    if (chain.length !== names.length + 1) throw missing();
    try {
      return { item: chain[chain.length - 1], rights: await this.access.alongPath(actor, chain) };
    } catch (e) {
      throw isKuraError(e) && e.code === 'not_found' ? missing() : e;
    }
  }

  /**
   * The path of a live item the caller can reach by path (every level above it visible and
   * listable, as resolve() needs): not_found otherwise, also for an item it may see by id
   * below a folder hidden from it.
   */
  async of(actor: Actor, id: number): Promise<ItemPath> {
    const chain = await this.store.items.chain(id);
    if (chain.length === 0 || chain[0].parent_id !== null || chain.some((r) => r.trashed_at !== null)) throw new KuraError('not_found', 'item not found');
    await this.access.alongPath(actor, chain).catch((e: unknown) => {
      throw isKuraError(e) && e.code === 'not_found' ? new KuraError('not_found', 'item not found, or not on a path you may follow') : e;
    });
    const names = chain.slice(1).map((r) => r.name);
    return { spaceId: Number(chain[0].space_id), path: joinPath(names), levels: chain.map((r) => ({ id: Number(r.id), name: r.name })) };
  }
}
