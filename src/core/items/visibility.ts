import type { ItemRow, Presence } from '../ports/index.js';

/**
 * The one rule of what exists for a reader, for a row in memory (single-item reads, rows of
 * subtrees, cached rows). An item exists when it is
 * - not in the trash (unless the trash is asked for: `presence.trash`),
 * - not expired: its `expires_at`, if any, is still ahead of `now` (an item is gone at its
 *   expiry instant, whether or not the expiry sweep has purged it yet),
 * - not pending: a file has at least one version (a file row without one would be a
 *   placeholder whose content is not recorded yet; nothing makes such rows today).
 * What the caller may see on top of that (access entries, roles) is `Access`'s to decide.
 *
 * The same rule for SQL is `visible()` in src/store/repos/visible.ts, used by every query
 * that lists items; test/core/visibility.test.ts holds the two to the same answers.
 */
export type StateOf = Pick<ItemRow, 'kind' | 'version' | 'expires_at' | 'trashed_at'>;

/** Past its expiry at `now` (the sweep purges such items; until then they only look gone). */
export const isExpired = (r: Pick<ItemRow, 'expires_at'>, now: number): boolean => r.expires_at !== null && Number(r.expires_at) <= now;

/** A file with no version recorded yet. */
export const isPending = (r: Pick<ItemRow, 'kind' | 'version'>): boolean => r.kind === 'file' && Number(r.version) === 0;

/** Whether the item exists for a reader at `presence.now` (see above). */
export function exists(r: StateOf, presence: Presence): boolean {
  if (r.trashed_at !== null && !presence.trash) return false;
  return !isExpired(r, presence.now) && !isPending(r);
}
