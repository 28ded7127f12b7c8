import { randomBytes } from 'node:crypto';
import type { MetadataStore } from '../ports/index.js';

/** A job every node knows and that the nodes run in turn: at most one at a time, once per interval. */
export interface PeriodicJob {
  /** Names its lease (`gc`, `upload-expiry`). */
  readonly name: string;
  readonly intervalMs: number;
  run(): Promise<unknown>;
}

/** What one run did, for the log. */
export interface JobRun {
  job: string;
  holder: string;
  startedAt: number;
  finishedAt: number;
  /** What the job returned, or the error it threw. */
  result?: unknown;
  error?: unknown;
  /** False when the lease lapsed while the job ran (it was not renewed in time). */
  counted: boolean;
}

export interface PeriodicJobsOptions {
  /** How long a claim lasts unless renewed; the holder renews it every third of this. */
  leaseMs: number;
  /** Who this node is (default: random). */
  holder?: string;
}

/**
 * Periodic jobs behind leases in the database (decisions/0016). Every node ticks; a tick
 * takes a job's lease only when it is free (or its holder's claim lapsed: a node that died
 * mid-job) and the job's last run is an interval old, with one conditional update, so the
 * job runs on one node at a time and once per interval across the nodes. The runner renews
 * its claim while the job runs and counts the run when it frees the lease. Nothing is kept
 * in process memory but the timers.
 */
export class PeriodicJobs {
  readonly holder: string;
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<JobRun[]>;
  private stopped = true;
  /** Set by stop(): a tick under way runs no further job. */
  private halted = false;
  private listener: (run: JobRun) => void = () => undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number,
    readonly jobs: readonly PeriodicJob[],
    private readonly opts: PeriodicJobsOptions,
  ) {
    this.holder = opts.holder ?? randomBytes(8).toString('hex');
  }

  /** Starts ticking; `onRun` hears of every run this node made. */
  start(onRun?: (run: JobRun) => void): void {
    if (onRun) this.listener = onRun;
    this.stopped = false;
    this.halted = false;
    this.schedule();
  }

  /** Stops ticking and waits for a job this node is running to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Ticks about twice per shortest interval (at most every 10 s), jittered so nodes do not tick in step. */
  private schedule(): void {
    if (this.stopped) return;
    const base = Math.min(10_000, Math.min(...this.jobs.map((j) => j.intervalMs)) / 2);
    this.timer = setTimeout(
      () => {
        this.running = this.tick().finally(() => {
          this.running = undefined;
          this.schedule();
        });
      },
      base * (0.5 + Math.random()),
    );
    this.timer.unref();
  }

  /** One pass over the jobs: runs each that is due and free here. Returns what this node ran. */
  async tick(): Promise<JobRun[]> {
    const ran: JobRun[] = [];
    for (const job of this.jobs) {
      if (this.halted) break;
      const r = await this.runIfDue(job).catch((error: unknown) => ({ job: job.name, holder: this.holder, startedAt: this.now(), finishedAt: this.now(), error, counted: false }));
      if (!r) continue;
      ran.push(r);
      this.listener(r);
    }
    return ran;
  }

  private async runIfDue(job: PeriodicJob): Promise<JobRun | undefined> {
    const leases = this.store.leases;
    const startedAt = this.now();
    await leases.ensure(job.name, startedAt);
    if (!(await leases.acquire(job.name, this.holder, startedAt, startedAt + this.opts.leaseMs, startedAt - job.intervalMs))) return undefined;
    const heartbeat = setInterval(() => void leases.renew(job.name, this.holder, this.now() + this.opts.leaseMs).catch(() => undefined), this.opts.leaseMs / 3);
    heartbeat.unref();
    const run: JobRun = { job: job.name, holder: this.holder, startedAt, finishedAt: startedAt, counted: false };
    try {
      run.result = await job.run();
    } catch (e) {
      run.error = e;
    } finally {
      clearInterval(heartbeat);
    }
    run.finishedAt = this.now();
    run.counted = await leases.finish(job.name, this.holder, run.finishedAt);
    return run;
  }
}
