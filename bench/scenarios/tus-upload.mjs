// tus upload of the 1 GiB file in 8 MiB chunks: Kura's /api/v1/tus against @tus/server with
// its file store (the reference tus implementation's own server), both pinned to the server
// core and driven by the same client (lib/tus-client.mjs) from the bench's core, and against
// the disk's own write speed (dd conv=fdatasync, as `upload`). Each is measured RUNS times,
// in rounds, and the best run counts, as in `download`: one run of a second or four is at
// the mercy of this machine's neighbours. Info rows add two ceilings: a bare Node server
// that only writes the bytes (lib/bare-upload-server.mjs), and the same server hashing every
// byte with SHA-256, as any content-addressed store must. Every writer starts in the same
// state: the previous writer's 1 GiB deleted (its memory is free again: keeping gigabytes
// of page cache makes the next writer take memory this virtual machine never touched, much
// slower), synced, and given SETTLE_MS (on a filesystem mounted with `discard`, as here,
// deleting 1 GiB slows the disk for a second or two).
import { mkdir, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ddWrite, sync } from '../lib/disk.mjs';
import { curlSha256, freePort } from '../lib/http.mjs';
import { contentUrl } from '../lib/kura.mjs';
import { best, percentiles } from '../lib/measure.mjs';
import { BenchError, SERVER_CORE, cpuSeconds, startDaemon } from '../lib/proc.mjs';
import { fmt, infoRow, ratioRow } from '../lib/table.mjs';
import { tusUpload } from '../lib/tus-client.mjs';

const CHUNK = 8 * 2 ** 20;
const RUNS = 3;
/** After a writer's file is deleted: time for the disk to finish discarding its blocks. */
const SETTLE_MS = 5000;
const here = path.dirname(fileURLToPath(import.meta.url));

/** A reference server script of lib/ on SERVER_CORE, on a free port; resolves once it listens. */
async function startReference(name, script, arg, extra = []) {
  const port = await freePort();
  const daemon = startDaemon(name, process.execPath, [path.join(here, '..', 'lib', script), String(port), arg, ...extra], { core: SERVER_CORE });
  const deadline = Date.now() + 30000;
  while (!daemon.output().includes('listening')) {
    if (!daemon.running()) throw new BenchError(`${name} ${await daemon.exited}\n${daemon.output()}`);
    if (Date.now() > deadline) throw new BenchError(`${name} not listening after 30 s\n${daemon.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { daemon, endpoint: `http://127.0.0.1:${port}/files` };
}

/**
 * One upload of `big` to a reference server started for it, which stores it at `dataPath`
 * (the caller removes it): the rate, and the rate with the sync that would make its bytes
 * durable, as Kura's are when it answers the last chunk.
 */
async function referenceRun(name, script, dataPath, big, extra) {
  const ref = await startReference(name, script, dataPath, extra);
  try {
    await sync();
    const r = await tusUpload({ endpoint: ref.endpoint, file: big.path, size: big.size, chunk: CHUNK, metadata: { filename: 'tus.bin' } });
    const s0 = process.hrtime.bigint();
    await sync();
    return { rate: big.size / r.seconds, durableRate: big.size / (r.seconds + Number(process.hrtime.bigint() - s0) / 1e9) };
  } finally {
    await ref.daemon.stop();
  }
}

export default {
  id: 'tus-upload',
  title: 'tus upload of 1 GiB in 8 MiB chunks vs @tus/server (file store) and dd',
  async run(ctx) {
    const big = ctx.files.big;
    const { bavail, bsize } = await statfs(ctx.work);
    if (bavail * bsize < 2.5 * 2 ** 30) throw new BenchError(`tus-upload needs 2.5 GiB free in ${ctx.work} (dd's file or a reference's copy, then Kura's), ${fmt.mb(bavail * bsize)} free`);
    const tusDir = path.join(ctx.work, 'tus-server');
    const bareOut = path.join(ctx.work, 'bare-upload.out');
    const runs = { dd: [], tus: [], bare: [], bareHash: [], kura: [] };
    const settle = async (file) => {
      if (file) await rm(file, { recursive: true, force: true });
      await sync();
      await new Promise((r) => setTimeout(r, SETTLE_MS));
    };
    for (let i = 0; i < RUNS; i++) {
      ctx.log(`run ${i + 1} of ${RUNS}: dd, @tus/server, the bare server without and with hashing, Kura`);
      // ddWrite removes its file itself.
      const dd = await ddWrite(big.path, path.join(ctx.work, 'dd-tus.out'), big.size / 2 ** 20);
      runs.dd.push({ rate: dd.bytes / dd.seconds });
      await settle();
      await mkdir(tusDir, { recursive: true });
      runs.tus.push(await referenceRun('@tus/server', 'tus-server.mjs', tusDir, big));
      await settle(tusDir);
      runs.bare.push(await referenceRun('bare upload server', 'bare-upload-server.mjs', bareOut, big));
      await settle(bareOut);
      runs.bareHash.push(await referenceRun('bare upload server with SHA-256', 'bare-upload-server.mjs', bareOut, big, ['sha256']));
      await settle(bareOut);

      // A name per run: the same name again would clash with the file the last run made.
      const cpu0 = cpuSeconds(ctx.kura.pid);
      const r = await tusUpload({ endpoint: `${ctx.kura.url}/api/v1/tus/`, file: big.path, size: big.size, chunk: CHUNK, headers: ctx.kura.auth, metadata: { filename: `tus-${i}.bin`, parent: ctx.kura.rootId } });
      const cpu1 = cpuSeconds(ctx.kura.pid);
      const id = r.last.headers['kura-item-id'];
      if (!id) throw new BenchError(`the last tus PATCH carried no Kura-Item-Id (headers ${JSON.stringify(r.last.headers).slice(0, 300)})`);
      const got = await curlSha256(contentUrl(ctx.kura, id), ctx.kura.auth);
      if (got.bytes !== big.size || got.sha256 !== big.sha256) throw new BenchError(`tus upload stored ${got.bytes} bytes with SHA-256 ${got.sha256}, expected ${big.size} bytes ${big.sha256}`);
      runs.kura.push({ rate: big.size / r.seconds, perChunk: r.perChunk });
      const k = runs.kura.at(-1);
      const p = percentiles(r.perChunk.slice(0, -1), [50]);
      // Kura removed its session file when the content was stored already (runs 2 and 3).
      await settle();
      ctx.log(`  dd ${fmt.rate(runs.dd.at(-1).rate)}, @tus/server ${fmt.rate(runs.tus.at(-1).rate)}, bare ${fmt.rate(runs.bare.at(-1).rate)}, bare+SHA-256 ${fmt.rate(runs.bareHash.at(-1).rate)}, Kura ${fmt.rate(k.rate)} (chunk p50 ${fmt.ms(p.p50)}, last ${fmt.ms(r.perChunk.at(-1))}; Kura's CPU ${(cpu1.user - cpu0.user).toFixed(2)} s user, ${(cpu1.system - cpu0.system).toFixed(2)} s system)`);
    }
    const kura = best(runs.kura, 'rate');
    const tus = best(runs.tus, 'rate');
    const p = percentiles(kura.perChunk.slice(0, -1), [50, 95]);
    const n = Math.ceil(big.size / CHUNK);
    return [
      ratioRow(`tus upload 1 GiB, ${n} × 8 MiB vs @tus/server, best of ${RUNS}`, { kura: kura.rate, ref: tus.rate, refLabel: '@tus/server file store', min: 1.5, format: fmt.rate }),
      ratioRow(`tus upload 1 GiB, ${n} × 8 MiB vs dd, best of ${RUNS}`, { kura: kura.rate, ref: best(runs.dd, 'rate').rate, refLabel: 'dd fdatasync', min: 0.6, format: fmt.rate }),
      infoRow(`tus upload 1 GiB vs @tus/server plus a sync (durable, as Kura's)`, { kura: fmt.rate(kura.rate), reference: fmt.rate(best(runs.tus, 'durableRate').durableRate), ratio: fmt.ratio(kura.rate / best(runs.tus, 'durableRate').durableRate) }),
      infoRow(`ceiling: a bare Node server that only writes (no hash, no database, no sync)`, { kura: fmt.rate(kura.rate), reference: `${fmt.rate(best(runs.bare, 'rate').rate)} (${fmt.ratio(best(runs.bare, 'rate').rate / tus.rate)} @tus/server)`, ratio: fmt.ratio(kura.rate / best(runs.bare, 'rate').rate) }),
      infoRow(`ceiling of a content-addressed store: the bare server hashing every byte (SHA-256)`, { kura: fmt.rate(kura.rate), reference: `${fmt.rate(best(runs.bareHash, 'rate').rate)} (${fmt.ratio(best(runs.bareHash, 'rate').rate / tus.rate)} @tus/server)`, ratio: fmt.ratio(kura.rate / best(runs.bareHash, 'rate').rate) }),
      infoRow(`tus upload, 8 MiB chunk p50 / p95; last chunk (best run)`, { kura: `${fmt.ms(p.p50)} / ${fmt.ms(p.p95)}; ${fmt.ms(kura.perChunk.at(-1))}` }),
    ];
  },
};
