// tus upload of the 1 GiB file in 8 MiB chunks: Kura's /api/v1/tus against @tus/server with
// its file store (the reference tus implementation's own server), both pinned to the server
// core and driven by the same client (lib/tus-client.mjs) from the bench's core, and against
// the disk's own write speed (dd conv=fdatasync, as `upload`).
import { mkdir, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ddWrite, sync } from '../lib/disk.mjs';
import { curlSha256, freePort } from '../lib/http.mjs';
import { contentUrl } from '../lib/kura.mjs';
import { percentiles } from '../lib/measure.mjs';
import { BenchError, SERVER_CORE, startDaemon } from '../lib/proc.mjs';
import { fmt, infoRow, ratioRow } from '../lib/table.mjs';
import { tusUpload } from '../lib/tus-client.mjs';

const CHUNK = 8 * 2 ** 20;
const here = path.dirname(fileURLToPath(import.meta.url));

/** @tus/server + @tus/file-store on SERVER_CORE, on a free port, storing under `dir`. */
async function startTusServer(dir) {
  const port = await freePort();
  await mkdir(dir, { recursive: true });
  const daemon = startDaemon('@tus/server', process.execPath, [path.join(here, '..', 'lib', 'tus-server.mjs'), String(port), dir], { core: SERVER_CORE });
  const url = `http://127.0.0.1:${port}`;
  // No health route: any answer to OPTIONS means it listens.
  const deadline = Date.now() + 30000;
  while (!daemon.output().includes('listening')) {
    if (!daemon.running()) throw new BenchError(`@tus/server ${await daemon.exited}\n${daemon.output()}`);
    if (Date.now() > deadline) throw new BenchError(`@tus/server not listening after 30 s\n${daemon.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { daemon, endpoint: `${url}/files` };
}

export default {
  id: 'tus-upload',
  title: 'tus upload of 1 GiB in 8 MiB chunks vs @tus/server (file store) and dd',
  async run(ctx) {
    const big = ctx.files.big;
    const { bavail, bsize } = await statfs(ctx.work);
    if (bavail * bsize < 2.5 * 2 ** 30) throw new BenchError(`tus-upload needs 2.5 GiB free in ${ctx.work} (dd's file or @tus/server's copy, then Kura's), ${fmt.mb(bavail * bsize)} free`);
    ctx.log(`dd: writing ${big.size / 2 ** 20} MiB with conv=fdatasync`);
    const dd = await ddWrite(big.path, path.join(ctx.work, 'dd-tus.out'), big.size / 2 ** 20);
    const ddRate = dd.bytes / dd.seconds;

    // The reference first; its copy is removed before Kura's upload.
    const tusDir = path.join(ctx.work, 'tus-server');
    const ref = await startTusServer(tusDir);
    let refRate;
    let refDurableRate;
    try {
      await sync();
      const r = await tusUpload({ endpoint: ref.endpoint, file: big.path, size: big.size, chunk: CHUNK, metadata: { filename: 'tus.bin' } });
      refRate = big.size / r.seconds;
      // Its file store never fsyncs: its last answer comes while the bytes are still only in
      // the page cache. Kura's comes once they are on disk. For context, the same upload
      // with the sync that would make it durable.
      const s0 = process.hrtime.bigint();
      await sync();
      refDurableRate = big.size / (r.seconds + Number(process.hrtime.bigint() - s0) / 1e9);
      ctx.log(`@tus/server: ${fmt.rate(refRate)} in ${r.seconds.toFixed(1)} s; with a sync afterwards ${fmt.rate(refDurableRate)}`);
    } finally {
      await ref.daemon.stop();
      await rm(tusDir, { recursive: true, force: true });
    }

    await sync();
    const r = await tusUpload({ endpoint: `${ctx.kura.url}/api/v1/tus/`, file: big.path, size: big.size, chunk: CHUNK, headers: ctx.kura.auth, metadata: { filename: 'tus.bin', parent: ctx.kura.rootId } });
    const id = r.last.headers['kura-item-id'];
    if (!id) throw new BenchError(`the last tus PATCH carried no Kura-Item-Id (headers ${JSON.stringify(r.last.headers).slice(0, 300)})`);
    const rate = big.size / r.seconds;
    const got = await curlSha256(contentUrl(ctx.kura, id), ctx.kura.auth);
    if (got.bytes !== big.size || got.sha256 !== big.sha256) throw new BenchError(`tus upload stored ${got.bytes} bytes with SHA-256 ${got.sha256}, expected ${big.size} bytes ${big.sha256}`);
    const p = percentiles(r.perChunk.slice(0, -1), [50, 95]);
    ctx.log(`Kura tus: ${fmt.rate(rate)} in ${r.seconds.toFixed(1)} s; chunk p50 ${fmt.ms(p.p50)} p95 ${fmt.ms(p.p95)}, last ${fmt.ms(r.perChunk.at(-1))}`);
    const n = Math.ceil(big.size / CHUNK);
    return [
      ratioRow(`tus upload 1 GiB, ${n} × 8 MiB vs @tus/server`, { kura: rate, ref: refRate, refLabel: '@tus/server file store', min: 1.5, format: fmt.rate }),
      ratioRow(`tus upload 1 GiB, ${n} × 8 MiB vs dd`, { kura: rate, ref: ddRate, refLabel: 'dd fdatasync', min: 0.6, format: fmt.rate }),
      infoRow(`tus upload 1 GiB vs @tus/server plus a sync (durable, as Kura's)`, { kura: fmt.rate(rate), reference: fmt.rate(refDurableRate), ratio: fmt.ratio(rate / refDurableRate) }),
      infoRow(`tus upload, 8 MiB chunk p50 / p95; last chunk`, { kura: `${fmt.ms(p.p50)} / ${fmt.ms(p.p95)}; ${fmt.ms(r.perChunk.at(-1))}` }),
    ];
  },
};
