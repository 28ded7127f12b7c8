// 1. Upload of the 1 GiB file through Kura's native API vs the disk's own write speed.
import path from 'node:path';
import { ddWrite, sync } from '../lib/disk.mjs';
import { upload } from '../lib/kura.mjs';
import { BenchError, peakRss, resetPeakRss } from '../lib/proc.mjs';
import { fmt, infoRow, ratioRow } from '../lib/table.mjs';

export default {
  id: 'upload',
  title: '1 GiB upload (native API) vs dd',
  async run(ctx) {
    const big = ctx.files.big;
    ctx.log(`dd: writing ${big.size / 2 ** 20} MiB with conv=fdatasync`);
    const dd = await ddWrite(big.path, path.join(ctx.work, 'dd.out'), big.size / 2 ** 20);
    const ddRate = dd.bytes / dd.seconds;

    ctx.log('upload: 1 GiB through POST /api/v1/items/<root>/children');
    await sync();
    const pid = ctx.kura.pid;
    const reset = resetPeakRss(pid);
    const up = await upload(ctx.kura, big.path, { size: big.size, sha256: big.sha256, responseFile: path.join(ctx.work, 'upload-big.json') });
    ctx.rss.upload = { bytes: peakRss(pid), sinceStart: !reset };
    ctx.items.big = up.item;
    if (up.uploaded < big.size) throw new BenchError(`curl sent ${up.uploaded} bytes, less than the file`);
    const upRate = big.size / up.seconds;

    return [
      ratioRow('upload 1 GiB, native API (curl -F)', { kura: upRate, ref: ddRate, refLabel: 'dd fdatasync', min: 0.7, format: fmt.rate }),
      // The CPU ceiling of hashing while uploading: coreutils' sha256sum as asked, and Node's
      // crypto (OpenSSL, SHA extensions where the CPU has them), which is what Kura runs.
      infoRow('SHA-256 of 1 GiB, one core: sha256sum', { reference: `${fmt.rate(big.size / big.hashSeconds)} (sha256sum)` }),
      infoRow('SHA-256 of 1 GiB, one core: Node crypto', { reference: `${fmt.rate(big.size / big.nodeHashSeconds)} (node)` }),
    ];
  },
};
