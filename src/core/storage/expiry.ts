import type { Category } from '../domain.js';
import type { ExpiredItem, MetadataStore, Repos, UsageChange } from '../ports/index.js';
import { combine, credit, inCategory, ofSubtree } from '../usage/ledger.js';

/** Items purged per transaction. */
const BATCH = 500;

export interface ExpiryReport {
  /** Expired items deleted for good (a folder counts once, with everything below it). */
  purged: number;
}

/**
 * The expiry sweep, part of every GC run: items whose `expires_at` has passed (OneBot
 * `dead_time`, social uploads no pin kept) are deleted for good, whatever their trash
 * state. In each transaction a batch is claimed with a conditional update (a concurrent
 * sweep on another node waits and then finds the rows gone, a pin that cleared the expiry
 * first wins), their usage is credited through the usage ledger and their blob references
 * are released (GC then frees the bytes no one else references), and the rows are deleted
 * (versions, pins, access entries, favourites and shares go with them). Idempotent: a
 * second run finds nothing; one on several nodes at once purges each item once.
 */
export async function purgeExpired(store: MetadataStore, now: number): Promise<ExpiryReport> {
  const report: ExpiryReport = { purged: 0 };
  for (;;) {
    const ids = await store.items.expiredIds(now, BATCH);
    if (ids.length === 0) break;
    report.purged += await store.transaction((tx) => purgeExpiredTx(tx, ids, now));
    if (ids.length < BATCH) break;
  }
  return report;
}

/**
 * Purges those of `ids` still expired at `now` inside `tx`, as the sweep does (claimed, usage
 * credited, blob references released, deleted). Also used where an expired item stands in
 * the way of a live one: its name is taken by a new item (items/placement.ts).
 */
export async function purgeExpiredTx(tx: Repos, ids: number[], now: number): Promise<number> {
  const claimed = await tx.items.claimExpired(ids, now);
  const files = claimed.filter((c) => c.kind === 'file');
  const folders = claimed.filter((c) => c.kind !== 'file');
  let purged = 0;
  // Files first, in bulk: a folder of this batch then no longer holds them, so nothing is credited twice.
  if (files.length > 0) {
    const fileIds = files.map((f) => Number(f.id));
    const spaceOf = new Map(files.map((f) => [Number(f.id), Number(f.space_id)]));
    const changes = new Map<number, UsageChange[]>();
    const add = (space: number, c: UsageChange) => {
      const list = changes.get(space) ?? [];
      list.push(c);
      changes.set(space, list);
    };
    for (const f of files) add(Number(f.space_id), inCategory(f.category ?? 'other', 0, 1));
    for (const u of await tx.versions.usageOfItems(fileIds)) add(spaceOf.get(u.item_id)!, inCategory((u.category ?? 'other') as Category, u.bytes, 0));
    await tx.blobs.releaseMany(await tx.versions.refsOfItems(fileIds), now);
    await tx.items.deleteMany(fileIds);
    for (const [space, list] of changes) await credit(tx, space, combine(...list));
    purged += files.length;
  }
  for (const f of folders) purged += await purgeFolder(tx, f, now);
  return purged;
}

async function purgeFolder(tx: Repos, f: ExpiredItem, now: number): Promise<number> {
  const id = Number(f.id);
  if (!(await tx.items.byId(id))) return 0;
  const usage = ofSubtree(await tx.items.subtreeUsage(id));
  await tx.blobs.releaseMany(await tx.items.subtreeBlobRefs(id), now);
  await tx.items.deleteSubtree(id);
  await credit(tx, Number(f.space_id), usage);
  return 1;
}
