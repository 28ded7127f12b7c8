import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { JobRun, MetadataStore } from '../../src/core/index.js';
import { PeriodicJobs } from '../../src/core/jobs/periodic.js';
import { openCore, type OpenCore } from '../../src/runtime.js';
import { backends, freshPostgresUrl } from '../helpers/backends.js';

/*
 * Periodic jobs behind leases (decisions/0016): two "nodes" are two cores with their own
 * connections to one database (one SQLite file, or one PostgreSQL database).
 */
describe.each(backends)('periodic jobs behind leases (%s)', (backend) => {
  let dataDir: string;
  let a: OpenCore;
  let b: OpenCore;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kura-leases-'));
    const databaseUrl = backend === 'postgres' ? await freshPostgresUrl({ migrated: true }) : undefined;
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
    a = await openCore(config);
    b = await openCore(config);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  let seq = 0;
  /** A job named afresh per test, counting its runs. */
  const counted = (intervalMs: number, body: () => Promise<void> = async () => undefined) => {
    const job = { name: `job-${++seq}`, intervalMs, calls: 0, run: async () => (job.calls++, body()) };
    return job;
  };
  const runner = (store: MetadataStore, clock: { t: number }, job: ReturnType<typeof counted>, holder: string, leaseMs = 60_000) => new PeriodicJobs(store, () => clock.t, [job], { leaseMs, holder });

  it('a job runs one interval after it is first seen, on one of two racing nodes, and its runs are counted', async () => {
    const clock = { t: 1_000_000 };
    const job = counted(1000);
    const na = runner(a.database.store, clock, job, 'node-a');
    const nb = runner(b.database.store, clock, job, 'node-b');
    expect([...(await na.tick()), ...(await nb.tick())]).toEqual([]);
    expect(await a.database.store.leases.byName(job.name)).toMatchObject({ holder: null, runs: 0, last_run_at: 1_000_000 });
    clock.t += 999;
    expect([...(await na.tick()), ...(await nb.tick())]).toEqual([]);
    for (let round = 1; round <= 5; round++) {
      clock.t += 1000;
      const ran = (await Promise.all([na.tick(), nb.tick()])).flat();
      expect(ran).toHaveLength(1);
      expect(ran[0]).toMatchObject({ job: job.name, counted: true });
      // Both tick again at once: the job ran this interval already, so neither runs it.
      expect((await Promise.all([na.tick(), nb.tick()])).flat()).toEqual([]);
      expect(job.calls).toBe(round);
      expect(await b.database.store.leases.byName(job.name)).toMatchObject({ holder: null, runs: round, last_run_at: clock.t, last_holder: ran[0].holder });
    }
  });

  it('a held lease keeps the other node out until its claim lapses (a node died mid-job); the late holder’s run is not counted', async () => {
    const clock = { t: 2_000_000 };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const job = counted(1000, () => (job.calls === 1 ? gate : Promise.resolve()));
    const na = runner(a.database.store, clock, job, 'node-a', 5000);
    const nb = runner(b.database.store, clock, job, 'node-b', 5000);
    await na.tick();
    clock.t += 1000;
    const first = na.tick();
    await expect.poll(() => job.calls).toBe(1);
    expect(await a.database.store.leases.byName(job.name)).toMatchObject({ holder: 'node-a', expires_at: clock.t + 5000, started_at: clock.t });
    clock.t += 4000;
    expect(await nb.tick()).toEqual([]);
    expect(job.calls).toBe(1);
    // node-a stops renewing (its clock-driven claim lapses): node-b takes over.
    clock.t += 1001;
    const taken = await nb.tick();
    expect(taken).toMatchObject([{ holder: 'node-b', counted: true }]);
    expect(job.calls).toBe(2);
    release();
    const late = await first;
    expect(late).toMatchObject([{ holder: 'node-a', counted: false }]);
    expect(await a.database.store.leases.byName(job.name)).toMatchObject({ holder: null, runs: 1, last_holder: 'node-b' });
  });

  it('a failing job frees its lease, is counted and reported, and runs again one interval later', async () => {
    const clock = { t: 3_000_000 };
    const job = counted(1000, async () => {
      if (job.calls === 1) throw new Error('store unreachable');
    });
    const na = runner(a.database.store, clock, job, 'node-a');
    await na.tick();
    clock.t += 1000;
    const [r] = await na.tick();
    expect((r.error as Error).message).toBe('store unreachable');
    expect(await a.database.store.leases.byName(job.name)).toMatchObject({ holder: null, runs: 1 });
    clock.t += 1000;
    expect(await runner(b.database.store, clock, job, 'node-b').tick()).toMatchObject([{ holder: 'node-b', counted: true }]);
    expect(job.calls).toBe(2);
  });

  it('on real timers, two started nodes never run a job at once and run it about once per interval together', async () => {
    let active = 0;
    let overlaps = 0;
    const job = counted(250, async () => {
      if (++active > 1) overlaps++;
      await sleep(60);
      active--;
    });
    const runs: JobRun[] = [];
    const clock = { get t() { return Date.now(); } };
    const na = runner(a.database.store, clock, job, 'node-a', 3000);
    const nb = runner(b.database.store, clock, job, 'node-b', 3000);
    const began = Date.now();
    na.start((r) => runs.push(r));
    nb.start((r) => runs.push(r));
    await sleep(3000);
    await Promise.all([na.stop(), nb.stop()]);
    const elapsed = Date.now() - began;
    expect(overlaps).toBe(0);
    expect(runs.every((r) => r.counted && r.error === undefined)).toBe(true);
    expect((await a.database.store.leases.byName(job.name))!.runs).toBe(runs.length);
    expect(job.calls).toBe(runs.length);
    // Once per interval across both nodes (the first run one interval after start), never once per node.
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / 250));
    // Each run started after the previous one ended and at least an interval later.
    const sorted = [...runs].sort((x, y) => x.startedAt - y.startedAt);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].startedAt - sorted[i - 1].finishedAt).toBeGreaterThanOrEqual(250);
  });

  it('kura serve’s jobs are gc and upload-expiry, with the configured interval', () => {
    expect(a.jobs.jobs.map((j) => [j.name, j.intervalMs])).toEqual([
      ['gc', 600_000],
      ['upload-expiry', 60_000],
    ]);
  });
});

describe('job configuration', () => {
  it.each([
    ['KURA_GC_INTERVAL_SECONDS', '0'],
    ['KURA_GC_INTERVAL_SECONDS', 'often'],
    ['KURA_JOB_LEASE_SECONDS', '1'],
  ])('names %s when it is invalid (%s)', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('has defaults', () => {
    expect(loadConfig({})).toMatchObject({ gcIntervalSeconds: 600, jobLeaseSeconds: 30 });
  });
});
