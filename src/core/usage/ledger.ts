import { CATEGORIES, type Category } from '../domain.js';
import { KuraError } from '../errors.js';
import type { CategoryUsage, Repos, SubtreeUsage, UsageChange } from '../ports/index.js';

/*
 * The usage ledger: the one owner of quota usage. Every write path changes usage through
 * charge() or credit(), inside its own transaction, so the counters never drift and never
 * need a scan. Per space it keeps the totals the quota is checked against and, per
 * category (image, audio, video, other), the logical bytes of every version (live or in
 * the trash, at full size, however deduplicated) and the number of files. Upload sessions
 * reserve bytes (and a file reservation for a new file) that count against the quota beside what
 * is stored, in no category and not as stored, until they complete.
 */

/** A change of `bytes` and `files` in one category. */
export const inCategory = (category: Category, bytes: number, files: number): UsageChange => ({ categories: { [category]: { bytes, files } } });

/** Bytes (and file reservations) held for an upload session. */
export const reservation = (bytes: number, files = 0): UsageChange => ({ categories: {}, reserved: bytes, reservedFiles: files });

/** The usage of a subtree, as one change. */
export const ofSubtree = (u: SubtreeUsage): UsageChange => ({ categories: { ...u } });

/** Several changes as one. */
export function combine(...changes: UsageChange[]): UsageChange {
  const categories: Partial<Record<Category, CategoryUsage>> = {};
  let reserved = 0;
  let reservedFiles = 0;
  for (const c of changes) {
    reserved += c.reserved ?? 0;
    reservedFiles += c.reservedFiles ?? 0;
    for (const k of CATEGORIES) {
      const x = c.categories[k];
      if (!x) continue;
      const acc = (categories[k] ??= { bytes: 0, files: 0 });
      acc.bytes += x.bytes;
      acc.files += x.files;
    }
  }
  return { categories, reserved, reservedFiles };
}

const negate = (c: UsageChange): UsageChange => ({
  categories: Object.fromEntries(Object.entries(c.categories).map(([k, v]) => [k, { bytes: -v.bytes, files: -v.files }])),
  reserved: -(c.reserved ?? 0),
  reservedFiles: -(c.reservedFiles ?? 0),
});

export function totals(c: UsageChange): { bytes: number; files: number } {
  let bytes = c.reserved ?? 0;
  let files = c.reservedFiles ?? 0;
  for (const v of Object.values(c.categories)) {
    bytes += v.bytes;
    files += v.files;
  }
  return { bytes, files };
}

/** Adds usage to a space inside `tx`; quota_exceeded (nothing changed) when it does not fit. */
export async function charge(tx: Repos, spaceId: number, change: UsageChange, what = 'this upload'): Promise<void> {
  if (!(await tx.usage.apply(spaceId, change, true))) {
    throw new KuraError('quota_exceeded', `the space quota does not allow ${what}`, totals(change));
  }
}

/** Gives usage back inside `tx` (purge, pruned versions, moves away, cancelled reservations). */
export async function credit(tx: Repos, spaceId: number, change: UsageChange): Promise<void> {
  await tx.usage.apply(spaceId, negate(change), false);
}
