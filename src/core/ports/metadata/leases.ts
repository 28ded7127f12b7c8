/**
 * A lease on a periodic job, shared by every node through the database: who holds it and
 * until when, and how often (and when last) the job ran. Only the holder of an unexpired
 * lease runs the job.
 */
export interface LeaseRow {
  /** The job's name (`gc`, `upload-expiry`, …). */
  name: string;
  /** The node running it now (a random id per process), or null when free. */
  holder: string | null;
  /** When the holder's claim lapses unless renewed (epoch ms; 0 when free). */
  expires_at: number;
  /** When the current holder started (epoch ms; 0 when free). */
  started_at: number;
  /** Completed runs, over all nodes. */
  runs: number;
  /** When the last run finished (or when the lease was made: the first run is one interval later). */
  last_run_at: number;
  /** Who ran it last. */
  last_holder: string | null;
}

export interface LeaseRepo {
  /** Makes the lease `name` (free, last run `now`) unless it exists. */
  ensure(name: string, now: number): Promise<void>;
  /**
   * Takes the lease for `holder` until `until`, when it is free or its holder's claim lapsed
   * before `now`, and its last run finished no later than `dueBy`. One conditional update:
   * of nodes racing, one wins. True when taken.
   */
  acquire(name: string, holder: string, now: number, until: number, dueBy: number): Promise<boolean>;
  /** Extends `holder`'s claim to `until`; false when it is no longer the holder. */
  renew(name: string, holder: string, until: number): Promise<boolean>;
  /** Counts a finished run and frees the lease; false (and nothing changed) when `holder` had lost it. */
  finish(name: string, holder: string, now: number): Promise<boolean>;
  byName(name: string): Promise<LeaseRow | undefined>;
  list(): Promise<LeaseRow[]>;
}

/**
 * Numbered permits for work in flight (uploads from URLs), shared by every node: a key (the
 * kind of work and whose it is) has at most `size` permits, each held by one node until it
 * releases it or its claim lapses (a node that died frees its permits that way).
 */
export interface InFlightRepo {
  /**
   * Takes one of permits 0…size−1 of `key` for `holder` until `until`: a free one, or one whose
   * claim lapsed before `now`. Each try is one conditional upsert, so of nodes racing for a
   * permit one wins. The permit taken, or undefined when all are held.
   */
  claim(key: string, size: number, holder: string, now: number, until: number): Promise<number | undefined>;
  /** Frees `holder`'s claim on a permit (nothing when it lapsed and was taken meanwhile). */
  release(key: string, permit: number, holder: string): Promise<void>;
  /** Permits of `key` held at `now`. */
  held(key: string, now: number): Promise<number>;
  /** Drops claims that lapsed before `now`. */
  prune(now: number): Promise<void>;
}
