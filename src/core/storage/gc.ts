import type { BlobStore, MetadataStore } from '../ports/index.js';

export interface GcReport {
  /** Blobs removed: rows no reference needed any more, and objects no row named. */
  deleted: number;
  bytes: number;
  /** Of `deleted`, objects in the store that no row named (left by a crash after their commit). */
  orphans: number;
  /** Piece folders of sliced uploads whose session is gone. */
  sessions: number;
  /** Items deleted for good because their `expires_at` had passed (storage/expiry.ts). */
  expired: number;
  /**
   * What this run skipped because it is still inside the grace period (a later run deletes
   * it): unreferenced blobs and their bytes, of them `orphans` objects no row names (an
   * upload refused by the quota or interrupted after its commit), and `sessions` piece
   * folders whose session is gone.
   */
  waiting: { blobs: number; bytes: number; orphans: number; sessions: number };
}

const PAGE = 500;
/** Blob deletions in flight at once (files unlinked, or S3 DELETE requests). */
const REMOVERS = 8;

/** Runs `fn` on every item, at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Deletes what nothing references once it has stayed so for the grace period:
 * 1. blob rows with no reference: marked 'deleting' (an upload claiming one then waits),
 *    bytes removed, then the row;
 * 2. objects in the store that no row names (a crash between an upload's commit and its
 *    metadata transaction): the store is listed page by page, and each such object is first
 *    recorded as 'deleting' the same way, so an upload of the same content that commits
 *    meanwhile waits and then commits again;
 * 3. pieces of sliced uploads whose session row is gone.
 * Safe to run on several nodes at once: every mark is a conditional write only one wins.
 */
export async function collectGarbage(store: MetadataStore, blobs: BlobStore, now: number, graceMs: number): Promise<GcReport> {
  const before = now - graceMs;
  const report: GcReport = { deleted: 0, bytes: 0, orphans: 0, sessions: 0, expired: 0, waiting: { blobs: 0, bytes: 0, orphans: 0, sessions: 0 } };
  const young = { orphans: 0, bytes: 0, sessions: 0 };
  // Each batch costs a few statements, not a few per blob: with 10,000 expired uploads the
  // per-blob round trips were most of a GC run.
  const remove = async (victims: { hash: string; size: number }[]) => {
    if (victims.length === 0) return;
    const hashes = victims.map((v) => v.hash);
    // Thumbnails made of this content go with it (their own blobs follow in a later pass).
    // One reference per derivative row; two sources may share a derivative's content.
    const refs = new Map<string, number>();
    for (const d of await store.derivatives.from(hashes)) refs.set(d.blob_hash, (refs.get(d.blob_hash) ?? 0) + 1);
    await store.blobs.releaseMany([...refs].map(([hash, n]) => ({ hash, n })), now);
    await store.derivatives.deleteFrom(hashes);
    const removed: string[] = [];
    let failure: unknown;
    await inParallel(victims, REMOVERS, async (v) => {
      try {
        await blobs.delete(v.hash);
        removed.push(v.hash);
        report.deleted++;
        report.bytes += v.size;
      } catch (e) {
        failure ??= e;
      }
    });
    // A row whose bytes could not be removed stays 'deleting'; uploads of that content wait.
    await store.blobs.deleteRows(removed);
    if (failure !== undefined) throw failure;
  };
  for (;;) {
    const batch = await store.blobs.unreferenced(before, PAGE);
    await remove(await store.blobs.markDeleting(batch.map((b) => b.hash), before));
    if (batch.length < PAGE) break;
  }
  // Objects no row names: removed once older than the grace, counted as waiting before.
  const orphans = async (page: { hash: string; size: number; modifiedAt: number }[]) => {
    const known = await store.blobs.known(page.map((o) => o.hash));
    const victims: { hash: string; size: number }[] = [];
    for (const o of page) {
      if (known.has(o.hash)) continue;
      if (o.modifiedAt >= before) {
        young.orphans++;
        young.bytes += o.size;
      } else if (await store.blobs.markOrphanDeleting(o.hash, o.size, now)) victims.push(o);
    }
    await remove(victims);
    report.orphans += victims.length;
  };
  let page: { hash: string; size: number; modifiedAt: number }[] = [];
  for await (const o of blobs.list()) {
    page.push(o);
    if (page.length < PAGE) continue;
    await orphans(page);
    page = [];
  }
  await orphans(page);
  let sessions: { session: string; modifiedAt: number }[] = [];
  const dropSessions = async (page: { session: string; modifiedAt: number }[]) => {
    const known = await store.uploads.known(page.map((s) => s.session));
    for (const s of page) {
      if (known.has(s.session)) continue;
      if (s.modifiedAt >= before) {
        young.sessions++;
        continue;
      }
      await blobs.deletePieces(s.session);
      report.sessions++;
    }
  };
  for await (const s of blobs.pieceSessions()) {
    sessions.push(s);
    if (sessions.length < PAGE) continue;
    await dropSessions(sessions);
    sessions = [];
  }
  await dropSessions(sessions);
  const rows = await store.blobs.waiting(before);
  report.waiting = { blobs: rows.blobs + young.orphans, bytes: rows.bytes + young.bytes, orphans: young.orphans, sessions: young.sessions };
  return report;
}
