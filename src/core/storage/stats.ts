import type { MetadataStore, UsageByCategory } from '../ports/index.js';
import type { GcReport } from './gc.js';

/**
 * What the store holds, from the database, so every node reports the same figures. The
 * ledger figures are sums over per-space counters; the blob, folder and upload figures are
 * aggregates over their tables, so a node measures them at most once per TTL however often
 * it is scraped (concurrent scrapes share one measurement).
 */
export interface StorageFigures {
  /** Live content blobs (deduplicated, derivatives included) and their bytes. */
  blobs: number;
  blobBytes: number;
  /** Logical bytes of every version and number of files per category, live or in the trash (the usage ledger). */
  usage: UsageByCategory;
  /** Folders, live or in the trash. */
  folders: number;
  /** Upload sessions not completed yet, and the quota bytes they reserve. */
  uploadSessions: number;
  uploadReserved: number;
  /** When they were measured (epoch ms). */
  measuredAt: number;
}

export class StorageStats {
  private cached: { value: StorageFigures; until: number } | undefined;
  private pending: Promise<StorageFigures> | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {}

  /** The figures, measured at most `ttlMs` ago. */
  figures(): Promise<StorageFigures> {
    if (this.cached && this.cached.until > this.now()) return Promise.resolve(this.cached.value);
    this.pending ??= this.measure().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async measure(): Promise<StorageFigures> {
    const [blobs, usage, folders, uploads] = await Promise.all([this.store.blobs.totals(), this.store.usage.all(), this.store.items.countFolders(), this.store.uploads.openTotals()]);
    const value: StorageFigures = { blobs: blobs.blobs, blobBytes: blobs.bytes, usage, folders, uploadSessions: uploads.sessions, uploadReserved: uploads.reserved, measuredAt: this.now() };
    if (this.ttlMs > 0) this.cached = { value, until: this.now() + this.ttlMs };
    return value;
  }
}

/**
 * Counters of what this process did since it started (GC runs, refusals of the rate
 * limiter). They are per node by nature; the metrics page labels them so, and a monitoring
 * system sums them over nodes.
 */
export class NodeCounters {
  gcRuns = 0;
  gcFailures = 0;
  gcDeletedBlobs = 0;
  gcFreedBytes = 0;
  /** Refusals per rate-limit rule name. */
  readonly rateLimited = new Map<string, number>();

  gcDone(r: GcReport): void {
    this.gcRuns++;
    this.gcDeletedBlobs += r.deleted;
    this.gcFreedBytes += r.bytes;
  }

  gcFailed(): void {
    this.gcRuns++;
    this.gcFailures++;
  }

  limited(rule: string): void {
    this.rateLimited.set(rule, (this.rateLimited.get(rule) ?? 0) + 1);
  }
}
