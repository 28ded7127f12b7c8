import type { BlobStore, MetadataStore } from '../ports/index.js';

export interface GcReport {
  /** Blobs removed: rows no reference needed any more, and objects no row named. */
  deleted: number;
  bytes: number;
  /** Of `deleted`, objects in the store that no row named (left by a crash after their commit). */
  orphans: number;
  /** Piece folders of sliced uploads whose session is gone. */
  sessions: number;
  /** Unreferenced content still inside the grace period: a later run deletes it. */
  waiting: { blobs: number; bytes: number };
}

const PAGE = 500;

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
  const report: GcReport = { deleted: 0, bytes: 0, orphans: 0, sessions: 0, waiting: { blobs: 0, bytes: 0 } };
  const remove = async (hash: string, size: number) => {
    // Thumbnails made of this content go with it (their own blobs follow in a later pass).
    for (const d of await store.derivatives.from(hash)) await store.blobs.release(d.blob_hash, 1, now);
    await store.derivatives.deleteFrom(hash);
    await blobs.delete(hash);
    await store.blobs.deleteRow(hash);
    report.deleted++;
    report.bytes += size;
  };
  for (;;) {
    const batch = await store.blobs.unreferenced(before, 200);
    for (const { hash } of batch) if (await store.blobs.markDeleting(hash, before)) await remove(hash, Number((await store.blobs.byHash(hash))?.size ?? 0));
    if (batch.length < 200) break;
  }
  const orphans = async (page: { hash: string; size: number }[]) => {
    const known = await store.blobs.known(page.map((o) => o.hash));
    for (const o of page) {
      if (known.has(o.hash) || !(await store.blobs.markOrphanDeleting(o.hash, o.size, now))) continue;
      await remove(o.hash, o.size);
      report.orphans++;
    }
  };
  let page: { hash: string; size: number }[] = [];
  for await (const o of blobs.list()) {
    if (o.modifiedAt >= before) continue;
    page.push(o);
    if (page.length < PAGE) continue;
    await orphans(page);
    page = [];
  }
  await orphans(page);
  let sessions: string[] = [];
  const dropSessions = async (ids: string[]) => {
    const known = await store.uploads.known(ids);
    for (const id of ids) {
      if (known.has(id)) continue;
      await blobs.deletePieces(id);
      report.sessions++;
    }
  };
  for await (const s of blobs.pieceSessions()) {
    if (s.modifiedAt >= before) continue;
    sessions.push(s.session);
    if (sessions.length < PAGE) continue;
    await dropSessions(sessions);
    sessions = [];
  }
  await dropSessions(sessions);
  report.waiting = await store.blobs.waiting(before);
  return report;
}
