#!/usr/bin/env node
// Kura's performance report: every row measured in this one run against a reference
// measured the same way on the same machine (see bench/README.md).
//
//   npm run bench                     # build, then all scenarios
//   node bench/run.mjs [scenario...]  # only some (ids: see --list)
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { headOf, makeRandomFile, nodeSha256, sha256sum } from './lib/disk.mjs';
import { kuraVersion, startKura, upload } from './lib/kura.mjs';
import { nginxVersion, startNginx } from './lib/nginx.mjs';
import { freePort } from './lib/http.mjs';
import { BenchError, CLIENT_CORE, SERVER_CORE, coreUsable, pinSelf, run, which } from './lib/proc.mjs';
import { errorRow, renderTable } from './lib/table.mjs';
import { GiB, cleanup, createWorkdir, interrupted } from './lib/workdir.mjs';
import { scenarios } from './scenarios/index.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIG = 1024 ** 3;
const SMALL = 4096;
/** 1 GiB test file + 1 GiB dd file + Kura's stored copy + its staging file, with headroom. */
const NEED = 3.5 * GiB;

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
}

function selectScenarios(args) {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: node bench/run.mjs [scenario...]\n\nscenarios:\n${scenarios.map((s) => `  ${s.id.padEnd(Math.max(...scenarios.map((x) => x.id.length)))}  ${s.title}`).join('\n')}\n`);
    process.exit(0);
  }
  if (args.includes('--list')) {
    process.stdout.write(`${scenarios.map((s) => s.id).join('\n')}\n`);
    process.exit(0);
  }
  if (args.length === 0) return scenarios;
  const unknown = args.filter((a) => !scenarios.some((s) => s.id === a));
  if (unknown.length) fail(`unknown scenario ${unknown.join(', ')} (known: ${scenarios.map((s) => s.id).join(', ')})`);
  return scenarios.filter((s) => args.includes(s.id));
}

function preflight() {
  const refs = ['nginx', 'wrk'].filter((t) => !which(t));
  if (refs.length) {
    fail(`${refs.join(' and ')} not found; the reference rows need nginx and wrk. Install them with:\n\n    apt-get update && apt-get install -y nginx wrk\n`);
  }
  const tools = { taskset: 'util-linux', curl: 'curl', dd: 'coreutils', sha256sum: 'coreutils', sync: 'coreutils' };
  const missing = Object.keys(tools).filter((t) => !which(t));
  if (missing.length) fail(`${missing.join(', ')} not found: apt-get install -y ${[...new Set(missing.map((t) => tools[t]))].join(' ')}`);
  for (const core of [SERVER_CORE, CLIENT_CORE]) {
    if (!coreUsable(core)) fail(`cannot run on CPU core ${core} (taskset -c ${core}): the bench needs 2 cores, server on ${SERVER_CORE}, load on ${CLIENT_CORE}`);
  }
  if (!existsSync(path.join(repo, 'dist', 'cli', 'main.js'))) fail('dist/ is missing: run `npm run bench` (it builds first) or `npm run build`');
}

async function machine() {
  const cpu = os.cpus()[0]?.model?.trim() ?? '?';
  const wrkV = (await run('wrk', ['--version'], { allowFail: true })).stdout.split('\n')[0].replace(/\s*Copyright.*$/, '');
  return `${cpu}, ${os.cpus().length} cores, Linux ${os.release()}, Node ${process.version}, ${await nginxVersion()}, ${wrkV}`;
}

async function main() {
  const selected = selectScenarios(process.argv.slice(2));
  preflight();
  const loadAtStart = os.loadavg()[0];
  // The bench process itself (and what it spawns without re-pinning: curl, wrk) runs on the
  // client core; servers are started with `taskset -c 0`.
  pinSelf(CLIENT_CORE);

  const { dir: work } = createWorkdir(repo, NEED);
  log(`work directory ${work} (removed at the end)`);
  const notes = [];
  if (loadAtStart > 0.5) {
    notes.push(`load average ${loadAtStart.toFixed(2)} at start: other processes share these cores, so absolute figures are low and ratios noisier than on an idle machine`);
  }
  const rows = [];
  let failed = false;
  try {
    const filesDir = path.join(work, 'files');
    mkdirSync(filesDir);
    const big = { name: 'big.bin', path: path.join(filesDir, 'big.bin'), size: BIG };
    const small = { name: 'small.bin', path: path.join(filesDir, 'small.bin'), size: SMALL };
    log('generating 1 GiB of random data (once, used by every scenario)');
    await makeRandomFile(big.path, BIG);
    await headOf(big.path, small.path, SMALL);
    const hashed = await sha256sum(big.path);
    big.sha256 = hashed.sha256;
    big.hashSeconds = hashed.seconds;
    const nodeHashed = await nodeSha256(big.path);
    if (nodeHashed.sha256 !== big.sha256) throw new BenchError('sha256sum and Node disagree on the SHA-256 of big.bin');
    big.nodeHashSeconds = nodeHashed.seconds;
    small.sha256 = (await sha256sum(small.path)).sha256;

    log('starting nginx (1 worker) and Kura (production configuration), both on core 0');
    const nginx = await startNginx({ prefix: path.join(work, 'nginx'), root: filesDir, port: await freePort() });
    const kura = await startKura({ repo, dataDir: path.join(work, 'kura-data') });
    log(`Kura pid ${kura.pid} on ${kura.url}, nginx pid ${nginx.pid} (worker ${nginx.workers[0]}) on ${nginx.url}`);

    const ctx = {
      repo,
      work,
      files: { big, small },
      kura,
      nginx,
      items: {},
      rss: {},
      log,
      note: (m) => notes.push(m),
      /** The item for files.<name> in Kura, uploaded (untimed) if no scenario did it yet. */
      async ensureUploaded(name) {
        if (!ctx.items[name]) {
          const f = ctx.files[name];
          log(`uploading ${f.name} (untimed)`);
          ctx.items[name] = (await upload(kura, f.path, { size: f.size, sha256: f.sha256, responseFile: path.join(work, `upload-${name}.json`) })).item;
        }
        return ctx.items[name];
      },
    };

    for (const s of selected) {
      if (interrupted()) break;
      log(`— ${s.title}`);
      try {
        rows.push(...(await s.run(ctx)));
      } catch (e) {
        if (interrupted()) break;
        failed = true;
        const message = e instanceof BenchError ? e.message : e?.stack ?? String(e);
        process.stderr.write(`bench: ${s.id} failed: ${message}\n`);
        rows.push(errorRow(s.title, message.split('\n')[0]));
        if (!kura.daemon.running()) {
          notes.push(`Kura ${await kura.daemon.exited} during "${s.id}":\n${kura.daemon.output()}`);
          break;
        }
      }
    }
    // Interrupted: the signal handler stops everything, removes the work dir and exits.
    if (interrupted()) await new Promise(() => undefined);
    await kura.daemon.stop();
    await nginx.daemon.stop('SIGQUIT');

    process.stdout.write(`\nKura ${kuraVersion(repo)} performance, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC\n`);
    process.stdout.write(`${await machine()}\n`);
    process.stdout.write(`servers on core ${SERVER_CORE}, load generator on core ${CLIENT_CORE}, loopback; MB = 10^6 bytes\n\n`);
    process.stdout.write(`${renderTable(rows)}\n`);
    const errors = rows.filter((r) => r.verdict === 'ERROR');
    for (const r of errors) notes.push(`ERROR ${r.scenario}: ${r.error}`);
    if (notes.length) process.stdout.write(`\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
    const missed = rows.filter((r) => r.verdict === 'MISSED').length;
    process.stdout.write(`\n${rows.filter((r) => r.verdict === 'ok').length} ok, ${missed} missed, ${errors.length} errors\n`);
  } finally {
    await cleanup();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (e) => {
    if (interrupted()) return; // the signal handler is cleaning up and exits
    process.stderr.write(`bench: ${e instanceof BenchError ? e.message : e?.stack ?? String(e)}\n`);
    await cleanup();
    process.exitCode = 1;
  },
);
