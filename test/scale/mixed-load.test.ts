import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, content, mixedLoad, quantile, sha256, type LoadResult } from '../../bench/lib/mixed-load.mjs';
import { loadConfig } from '../../src/config.js';
import { openCore, type OpenCore } from '../../src/runtime.js';
import { freshPostgresUrl } from '../helpers/backends.js';
import { BIN } from '../helpers/process.js';
import { kuraCommand } from '../helpers/cli.js';
import { startS3, type TestS3 } from '../helpers/s3-server.js';
import { startProxy, type Proxy } from './proxy.js';

/*
 * Scale-out under mixed load: three `kura serve` processes on one PostgreSQL database and
 * one S3 store (s3rver) behind a round-robin proxy, a bounded mixed load through it, one
 * node killed with SIGKILL half-way. KURA_SCALE_SECONDS sets the load's length (default 25: four leases and eight GC intervals, with the kill at half-way; longer runs are for soak tests).
 */
const SECONDS = Number(process.env.KURA_SCALE_SECONDS ?? 25);
const WORKERS = 8;
const GC_EVERY = 3;

interface JobLine {
  node: number;
  job: string;
  holder: string;
  startedAt: number;
  finishedAt: number;
  counted: boolean;
  failed: boolean;
}

interface Node {
  index: number;
  proc: ChildProcess;
  url: string;
  jobs: JobLine[];
  stderr: string;
  /** Log records at error level or above, kept to explain a 5xx. */
  errors: unknown[];
}

async function startNode(index: number, env: Record<string, string>, dataDir: string): Promise<Node> {
  const proc = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, ...env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const node: Node = { index, proc, url: '', jobs: [], stderr: '', errors: [] };
  proc.stderr!.on('data', (d: Buffer) => (node.stderr = (node.stderr + d.toString()).slice(-4000)));
  let rest = '';
  node.url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const l = JSON.parse(line) as Record<string, unknown>;
        if (l.banner === true) resolve(l.url as string);
        if (typeof l.level === 'number' && l.level >= 50 && node.errors.length < 20) node.errors.push(l);
        if (l.msg === 'periodic job ran' || l.msg === 'periodic job failed') {
          node.jobs.push({ node: index, job: l.job as string, holder: l.holder as string, startedAt: l.startedAt as number, finishedAt: l.finishedAt as number, counted: l.counted as boolean, failed: l.msg === 'periodic job failed' });
        }
      }
    });
    proc.on('exit', (c) => reject(new Error(`node ${index} exited (${c}): ${node.stderr}`)));
  });
  return node;
}

/** Stops a node with SIGTERM (it finishes a job it is running) and waits until its output is read. */
const stopNode = (n: Node, signal: NodeJS.Signals = 'SIGTERM') =>
  new Promise<void>((resolve) => {
    if (n.proc.exitCode !== null || n.proc.signalCode !== null) return resolve();
    n.proc.once('close', () => resolve());
    n.proc.kill(signal);
  });

const describePg = process.env.KURA_TEST_DATABASE_URL ? describe : describe.skip;

describePg('three nodes, one PostgreSQL, one S3 store, under mixed load with a node killed', () => {
  let s3: TestS3;
  let env: Record<string, string>;
  let core: OpenCore;
  let proxy: Proxy;
  const nodes: Node[] = [];
  const dirs: string[] = [];
  let token: string;
  let auth: Record<string, string>;
  let rootId: number;
  let spaceId: number;
  let load: LoadResult;
  let killedAt = 0;
  let loadStarted = 0;
  const victim = 2;
  /** Resumable uploads begun on the victim before it died, finished on the others. */
  const orphans: { key: string; seed: string; size: number; id?: number }[] = [];

  const dataDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'kura-scale-'));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    s3 = await startS3();
    const cfg = s3.s3Config('kura-scale');
    env = {
      NODE_ENV: 'test',
      DATABASE_URL: await freshPostgresUrl(),
      BLOB_STORE: 's3',
      S3_ENDPOINT: cfg.endpoint!,
      S3_BUCKET: cfg.bucket,
      S3_ACCESS_KEY_ID: cfg.accessKeyId!,
      S3_SECRET_ACCESS_KEY: cfg.secretAccessKey!,
      S3_FORCE_PATH_STYLE: 'true',
      KURA_GC_INTERVAL_SECONDS: String(GC_EVERY),
      KURA_GC_GRACE_SECONDS: '1',
      KURA_JOB_LEASE_SECONDS: '6',
    };
    // The first node migrates the database; the others start on it together.
    nodes.push(await startNode(0, env, await dataDir()));
    nodes.push(...(await Promise.all([1, 2].map(async (i) => startNode(i, env, await dataDir())))));
    proxy = await startProxy(nodes.map((n) => n.url));
    core = await openCore(loadConfig({ ...env, DATA_DIR: await dataDir(), LOG_LEVEL: 'silent' }));
    const user = await core.users.create({ username: 'loader', password: 'correct horse battery', role: 'admin', email: 'loader@example.test', realName: 'Loader' });
    token = (await core.tokens.create(user.id, { label: 'load' })).token;
    auth = { authorization: `Bearer ${token}` };
    const [space] = await core.spaces.listMine({ userId: user.id, role: user.role });
    rootId = space.rootId;
    spaceId = space.id;
    // A quota, so every upload reserves and every purge gives back against a limit.
    const q = await call(proxy.url, 'PUT', `/api/v1/spaces/${spaceId}/quota`, { headers: { ...auth, 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ bytes: 20 * 1024 ** 3, files: 1_000_000 })) });
    expect(q.status).toBe(200);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => stopNode(n)));
    await proxy?.close();
    await core?.close();
    await s3?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it(
    'carries a mixed load through a node’s death, resumes its uploads elsewhere, and runs each periodic job on one node at a time',
    async () => {
      // Resumable uploads begun on the node that will die: half of each sent to it directly.
      const victimUrl = nodes[victim].url;
      for (let i = 0; i < 3; i++) {
        const o = { key: `orphan${i}`, seed: `orphan-${i}`, size: 350_000 + i * 1000 };
        const open = await call(victimUrl, 'POST', '/api/v1/uploads', { headers: { ...auth, 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ key: o.key, folderId: rootId, name: `${o.key}.bin`, length: o.size })) });
        expect(open.status).toBe(201);
        const bytes = content(o.seed, o.size);
        for (const at of [0, 200_000]) {
          const r = await call(victimUrl, 'PUT', `/api/v1/uploads/${o.key}?offset=${at}`, { headers: { ...auth, 'content-type': 'application/octet-stream' }, body: bytes.subarray(at, at + 100_000) });
          expect(r.status).toBe(200);
        }
        orphans.push(o);
      }

      loadStarted = Date.now();
      const running = mixedLoad({ base: proxy.url, token, rootId, spaceId, seconds: SECONDS, workers: WORKERS });
      await sleep((SECONDS * 1000) / 2);
      killedAt = Date.now();
      const dead = nodes[victim];
      await stopNode(dead, 'SIGKILL');

      // The dead node's unfinished uploads: their state is in the database and S3, so the
      // others tell what arrived and take the rest.
      for (const o of orphans) {
        const st = await call(proxy.url, 'GET', `/api/v1/uploads/${o.key}`, { headers: auth });
        expect(st.status).toBe(200);
        expect(JSON.parse(st.body.toString()).ranges).toEqual([
          [0, 99_999],
          [200_000, 299_999],
        ]);
        const bytes = content(o.seed, o.size);
        const mid = await call(proxy.url, 'PUT', `/api/v1/uploads/${o.key}?offset=100000`, { headers: { ...auth, 'content-type': 'application/octet-stream' }, body: bytes.subarray(100_000, 200_000) });
        expect(mid.status).toBe(200);
        const end = await call(proxy.url, 'PUT', `/api/v1/uploads/${o.key}?offset=300000`, { headers: { ...auth, 'content-type': 'application/octet-stream' }, body: bytes.subarray(300_000) });
        expect(end.status, end.body.toString()).toBe(201);
        expect(Number(end.headers['x-served-by'])).not.toBe(victim);
        o.id = JSON.parse(end.body.toString()).item.id as number;
      }

      load = await running;
      const loadEnded = Date.now();

      const kinds = load.stats.byKind;
      const p99 = Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, `${v.count} req, p99 ${quantile(v.ms, 0.99).toFixed(0)} ms`]));
      process.stderr.write(`scale-mixed: ${JSON.stringify({ seconds: SECONDS, interrupted: load.stats.interrupted, served: load.stats.served, p99 })}\n`);

      // --- no failure, no 5xx --------------------------------------------------------------
      const logged = JSON.stringify(nodes.map((n) => n.errors), null, 1).slice(0, 8000);
      expect(load.stats.failures, logged).toEqual([]);
      expect(proxy.upstream5xx, logged).toEqual([]);
      // The only requests lost are those the victim died with, right when it died.
      for (const e of proxy.errors) {
        expect(e.node).toBe(victim);
        expect(e.at).toBeGreaterThanOrEqual(killedAt - 1000);
        expect(e.at).toBeLessThan(killedAt + 5000);
      }
      for (const k of ['upload', 'resumable', 'driveSlices', 'slice', 'download', 'range', 'list', 'rename', 'move', 'delete', 'restore', 'purge', 'share']) expect(kinds[k]?.count ?? 0, k).toBeGreaterThan(0);
      // Resumable uploads had their slices answered by different nodes.
      expect(load.resumables.filter((r) => r.nodes.size >= 2).length).toBeGreaterThan(0);
      // Every node served requests, and the others carried on after the victim died.
      expect(Object.keys(load.stats.served).sort()).toEqual(['0', '1', '2']);

      // --- a fresh node replaces the dead one -------------------------------------------------
      nodes[victim] = await startNode(3, env, await dataDir());
      proxy.set(victim, nodes[victim].url);
      const live = nodes.map((n) => n.url);

      // --- every file, byte-exact from every node ----------------------------------------------
      const listed = new Map<number, { name: string; size: number; parentId: number }>();
      for (const pair of load.folders) {
        for (const folder of pair) {
          const views = await Promise.all(live.map((u) => call(u, 'GET', `/api/v1/items/${folder}/children?limit=1000`, { headers: auth })));
          for (const v of views) expect(v.status).toBe(200);
          const ids = views.map((v) => (JSON.parse(v.body.toString()).items as { id: number }[]).map((i) => i.id).sort());
          expect(ids[1]).toEqual(ids[0]);
          expect(ids[2]).toEqual(ids[0]);
          for (const i of JSON.parse(views[0].body.toString()).items as { id: number; name: string; size: number; parentId: number }[]) listed.set(i.id, i);
        }
      }
      const trashView = await call(proxy.url, 'GET', `/api/v1/spaces/${spaceId}/trash`, { headers: auth });
      const trashed = new Map((JSON.parse(trashView.body.toString()).items as { id: number; size: number }[]).map((i) => [i.id, i]));
      const expected = (id: number, name: string) => {
        const f = load.files.get(id);
        if (f) return f;
        const u = load.uncertain.get(name);
        if (!u) throw new Error(`file ${id} (${name}) was never uploaded by the load`);
        return u;
      };
      for (const [id, f] of load.files) {
        if (f.state === 'live') expect(listed.get(id), `live file ${id}`).toMatchObject({ name: f.name, size: f.size, parentId: f.folder });
        if (f.state === 'trashed') expect(trashed.has(id), `trashed file ${id}`).toBe(true);
        if (f.state === 'purged') expect(listed.has(id) || trashed.has(id), `purged file ${id}`).toBe(false);
      }
      let checked = 0;
      const all = [...listed];
      // Eight files at a time, each from the three nodes at once.
      for (let at = 0; at < all.length; at += 8) {
        await Promise.all(
          all.slice(at, at + 8).map(async ([id, item]) => {
            const want = expected(id, item.name);
            const hash = sha256(content(want.seed, want.size));
            const reads = await Promise.all(live.map((u) => call(u, 'GET', `/api/v1/items/${id}/content`, { headers: auth })));
            reads.forEach((r, n) => {
              expect(r.status).toBe(200);
              expect(sha256(r.body), `file ${id} from ${live[n]}`).toBe(hash);
            });
            checked++;
          }),
        );
      }
      for (const o of orphans) {
        for (const u of live) expect(sha256((await call(u, 'GET', `/api/v1/items/${o.id}/content`, { headers: auth })).body)).toBe(sha256(content(o.seed, o.size)));
      }
      expect(checked).toBe(listed.size);
      expect(checked).toBeGreaterThan(0);

      // --- usage equals what is stored, on every node ---------------------------------------------
      const stored = [...listed.values(), ...trashed.values()].reduce((s, i) => s + i.size, 0) + orphans.reduce((s, o) => s + o.size, 0);
      for (const u of live) {
        const sp = JSON.parse((await call(u, 'GET', `/api/v1/spaces/${spaceId}`, { headers: auth })).body.toString());
        expect(sp.usage).toEqual({ bytes: stored, files: listed.size + trashed.size + orphans.length, reserved: 0, reservedFiles: 0 });
      }
      expect(await core.usage.verify()).toEqual([]);

      // --- no open session, and after GC no orphan: kura fsck is clean ------------------------------
      const open = await core.database.db.selectFrom('upload_sessions').select(['id', 'state']).where('state', '!=', 'done').execute();
      expect(open).toEqual([]);
      const gc = await kuraCommand(['gc', '--json'], { ...env, DATA_DIR: dirs[0], KURA_GC_GRACE_SECONDS: '0' });
      expect(gc.code, gc.stderr).toBe(0);
      const fsck = await kuraCommand(['fsck', '--json'], { ...env, DATA_DIR: dirs[0] });
      expect(JSON.parse(fsck.stdout), fsck.stderr).toMatchObject({ ok: true, problems: [] });
      expect(fsck.code).toBe(0);
      expect(Number((await core.database.db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).where('refcount', '=', 0).executeTakeFirstOrThrow()).n)).toBe(0);

      // --- periodic jobs: one node at a time, once per interval, counted -------------------------
      await Promise.all(nodes.map((n) => stopNode(n)));
      const lines = [...nodes, dead].flatMap((n) => n.jobs);
      expect(lines.filter((l) => l.failed)).toEqual([]);
      const leases = await core.database.store.leases.list();
      for (const job of ['gc', 'upload-expiry']) {
        const runs = lines.filter((l) => l.job === job).sort((a, b) => a.startedAt - b.startedAt);
        const lease = leases.find((l) => l.name === job)!;
        // Each counted run was logged by the node that made it (the victim's up to its death).
        // (The victim may have died between counting a run and writing its line: one at most.)
        expect(Number(lease.runs) - runs.filter((l) => l.counted).length, job).toBeGreaterThanOrEqual(0);
        expect(Number(lease.runs) - runs.filter((l) => l.counted).length, job).toBeLessThanOrEqual(1);
        // Never two at once, and each an interval after the previous one ended.
        for (let i = 1; i < runs.length; i++) expect(runs[i].startedAt, `${job} run ${i}`).toBeGreaterThanOrEqual(runs[i - 1].finishedAt + GC_EVERY * 1000);
        // Once per interval across the nodes, not once per node.
        expect(runs.length, job).toBeGreaterThanOrEqual(Math.floor((loadEnded - loadStarted) / (GC_EVERY * 1000) / 3));
        expect(runs.length, job).toBeLessThanOrEqual(Math.ceil((Date.now() - loadStarted) / (GC_EVERY * 1000)) + 2);
        // The survivors ran it after the victim died.
        expect(runs.some((l) => l.startedAt > killedAt && l.node !== victim), job).toBe(true);
      }
      expect(new Set(lines.filter((l) => l.job === 'gc').map((l) => l.node)).size).toBeGreaterThanOrEqual(2);

    },
    (SECONDS + 240) * 1000,
  );
});
