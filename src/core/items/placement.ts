import { KuraError } from '../errors.js';
import type { ItemRow, Repos } from '../ports/index.js';
import { numberedName } from '../names.js';
import { purgeExpiredTx } from '../storage/expiry.js';
import { isExpired } from './visibility.js';

/**
 * What happens when a name is taken among live siblings: fail (409), rename
 * (`name (1).ext`), or — for file uploads — add a new version to the existing file.
 * Each dialect picks one per endpoint and documents it.
 */
export type OnConflict = 'fail' | 'rename' | 'version';

/**
 * The choices of a move or copy: those of uploads (`version` counts as `fail` there), and
 * `replace`: the existing file of that name takes the moved or copied file's content as a
 * new version (core/items/replace.ts). Nothing ever replaces a folder.
 */
export type PlaceConflict = OnConflict | 'replace';

export type Placement = { name: string; existing?: undefined } | { name: string; existing: ItemRow };

/**
 * Chooses the name an item gets in `parentId` at `now`. The unique index stays the judge: a
 * racing insert of the same name still fails there and surfaces as name_conflict. An expired
 * item that still holds the name (the sweep has not purged it yet) is gone for every
 * operation: it is purged here, in the caller's transaction, as the sweep would, and the
 * name is free. (A pending item keeps its name: its content is on its way.)
 */
export async function place(db: Repos, parentId: number, name: string, policy: PlaceConflict, now: number, selfId?: number): Promise<Placement> {
  let existing = await db.items.liveChildByName(parentId, name);
  if (existing && Number(existing.id) !== selfId && isExpired(existing, now)) {
    await purgeExpiredTx(db, [Number(existing.id)], now);
    existing = await db.items.liveChildByName(parentId, name);
  }
  if (!existing || Number(existing.id) === selfId) return { name };
  if (policy === 'version' || policy === 'replace') {
    if (existing.kind !== 'file') throw new KuraError('name_conflict', `a folder named "${name}" already exists here`, { name });
    return { name, existing };
  }
  if (policy === 'fail') throw new KuraError('name_conflict', `an item named "${name}" already exists here`, { name });
  for (let start = 1; start < 10_000; start += 50) {
    const candidates = Array.from({ length: 50 }, (_, i) => numberedName(name, start + i));
    const taken = await db.items.takenNames(parentId, candidates);
    const free = candidates.find((c) => !taken.has(c));
    if (free) return { name: free };
  }
  throw new KuraError('name_conflict', `no free name derived from "${name}"`);
}
