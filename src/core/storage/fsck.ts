import { createHash } from 'node:crypto';
import { joinPath } from '../items/paths.js';
import type { BlobStore, MetadataStore } from '../ports/index.js';
import type { UsageService } from '../usage/service.js';

export interface FsckProblem {
  /** The blob concerned, `space:<id>` for a usage counter, or `upload:<session>` for pieces. */
  hash: string;
  problem: 'missing' | 'hash_mismatch' | 'size_mismatch' | 'refcount_mismatch' | 'orphan_object' | 'orphan_pieces' | 'usage_mismatch';
  detail: string;
  /** Files whose content this is (the first few), or the space a usage counter belongs to. */
  affects?: AffectedFile[];
}

export interface AffectedFile {
  spaceId: number;
  space: string;
  /** Path inside the space ('/' for a usage counter); trashed files keep their path. */
  path: string;
  itemId?: number;
}

const AFFECTED = 20;

/** The files (space name and path) that hold a content, for a person to act on. */
async function affected(store: MetadataStore, hash: string): Promise<AffectedFile[]> {
  const out: AffectedFile[] = [];
  for (const h of await store.blobs.holders(hash, AFFECTED)) {
    const itemId = Number(h.item_id);
    // The first of the chain is the space's root folder: the path starts below it.
    const names = (await store.items.chain(itemId)).slice(1).map((r) => r.name);
    const space = await store.spaces.byId(Number(h.space_id));
    out.push({ spaceId: Number(h.space_id), space: space?.name ?? '?', path: joinPath(names), itemId });
  }
  return out;
}

export interface FsckReport {
  checked: number;
  problems: FsckProblem[];
  /**
   * Leftovers younger than the GC grace, which GC removes once it has passed: no problem
   * (an upload refused by the quota, or interrupted, leaves its committed object behind;
   * an upload finishing right now has not written its row yet). Objects no row names (and
   * their bytes), and piece folders whose session is gone.
   */
  pending: { objects: number; bytes: number; uploads: number };
}

/** When fsck runs and how long GC leaves unreferenced content alone (KURA_GC_GRACE_SECONDS). */
export interface FsckClock {
  now: number;
  graceMs: number;
}

/**
 * Verifies every blob against its SHA-256 and the metadata's references, lists objects no
 * row names (problems once older than the GC grace, pending before), and recounts every
 * space's usage. Reports, never fixes: repairs are a decision for a person.
 */
export async function fsck(store: MetadataStore, blobs: BlobStore, usage: UsageService, clock: FsckClock, onProgress?: (done: number, total: number) => void): Promise<FsckReport> {
  const total = await store.blobs.count();
  const problems: FsckProblem[] = [];
  const pending = { objects: 0, bytes: 0, uploads: 0 };
  const young = (modifiedAt: number) => modifiedAt >= clock.now - clock.graceMs;
  const known = new Set<string>();
  let checked = 0;
  for (let after = ''; ; ) {
    const page = await store.blobs.page(after, 500);
    if (page.length === 0) break;
    for (const b of page) {
      after = b.hash;
      known.add(b.hash);
      const refs = await store.blobs.countedRefs(b.hash);
      if (refs !== Number(b.refcount)) problems.push({ hash: b.hash, problem: 'refcount_mismatch', detail: `metadata says ${b.refcount} references, versions hold ${refs}` });
      if (!(await blobs.has(b.hash))) {
        if (Number(b.refcount) > 0) problems.push({ hash: b.hash, problem: 'missing', detail: `referenced ${b.refcount} times but absent from the ${blobs.kind} store` });
      } else {
        const h = createHash('sha256');
        let size = 0;
        for await (const chunk of await blobs.read(b.hash)) {
          h.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        const digest = h.digest('hex');
        if (digest !== b.hash) problems.push({ hash: b.hash, problem: 'hash_mismatch', detail: `content hashes to ${digest}` });
        if (size !== Number(b.size)) problems.push({ hash: b.hash, problem: 'size_mismatch', detail: `metadata says ${b.size} bytes, store holds ${size}` });
      }
      checked++;
      onProgress?.(checked, total);
    }
  }
  for await (const o of blobs.list()) {
    if (known.has(o.hash)) continue;
    if (young(o.modifiedAt)) {
      pending.objects++;
      pending.bytes += o.size;
    } else problems.push({ hash: o.hash, problem: 'orphan_object', detail: `${o.size} bytes in the store with no metadata, older than the GC grace (left by a refused or interrupted upload; GC-able)` });
  }
  for (const p of problems) if (p.problem !== 'orphan_object') p.affects = await affected(store, p.hash);
  // Pieces of resumable uploads whose session row is gone (a crash between the two deletions).
  let sessions: { session: string; modifiedAt: number }[] = [];
  const unknownSessions = async () => {
    const known = await store.uploads.known(sessions.map((s) => s.session));
    for (const s of sessions) {
      if (known.has(s.session)) continue;
      if (young(s.modifiedAt)) pending.uploads++;
      else problems.push({ hash: `upload:${s.session}`, problem: 'orphan_pieces', detail: 'pieces of a resumable upload with no session, older than the GC grace (GC-able)' });
    }
    sessions = [];
  };
  for await (const p of blobs.pieceSessions()) {
    sessions.push(p);
    if (sessions.length >= 500) await unknownSessions();
  }
  await unknownSessions();
  for (const d of await usage.verify()) {
    const space = await store.spaces.byId(d.spaceId);
    problems.push({ hash: `space:${d.spaceId}`, problem: 'usage_mismatch', detail: d.detail, affects: [{ spaceId: d.spaceId, space: space?.name ?? '?', path: '/' }] });
  }
  return { checked, problems, pending };
}
