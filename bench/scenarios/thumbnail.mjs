import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { request } from '../lib/http.mjs';
import { upload } from '../lib/kura.mjs';
import { percentiles } from '../lib/measure.mjs';
import { fmt, infoRow, limitRow, ratioRow } from '../lib/table.mjs';
import { BenchError } from '../lib/proc.mjs';
import { headersScript, wrk } from '../lib/wrk.mjs';

const PHOTOS = 7;
const oid = (id) => id.toString(16).padStart(24, '0');

/**
 * drive `file/resource?Type=1`: the first thumbnail of a 12-megapixel JPEG (made with sharp,
 * kept as a derivative), then repeats, which are small files served from memory.
 */
export default {
  id: 'thumbnail',
  title: 'first and repeated JPEG thumbnails of 12-megapixel photos (drive resource)',
  async run(ctx) {
    const firsts = [];
    let lastUrl;
    for (let i = 0; i < PHOTOS; i++) {
      // A different noisy photo each time, so every first request really decodes.
      const file = path.join(ctx.work, `photo-${i}.jpg`);
      await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 40 * i, g: 90, b: 160 }, noise: { type: 'gaussian', mean: 110 + i, sigma: 35 } } })
        .jpeg({ quality: 88 })
        .toFile(file);
      const bytes = await readFile(file);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const { item } = await upload(ctx.kura, file, { size: bytes.length, sha256, responseFile: path.join(ctx.work, `photo-${i}.json`), isPublic: true });
      const url = `${ctx.kura.url}/v1/file/resource?Id=${oid(item.id)}&Type=1`;
      const t0 = process.hrtime.bigint();
      const r = await request(url, { discard: true });
      firsts.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== 200) throw new Error(`thumbnail answered ${r.status}`);
      lastUrl = url;
    }
    ctx.log(`first thumbnails: ${firsts.map((m) => m.toFixed(0)).join(', ')} ms`);
    const p = percentiles(firsts, [50]);
    // The reference serves the very same thumbnail bytes from nginx's root.
    const thumb = (await request(lastUrl)).body;
    await writeFile(path.join(path.dirname(ctx.files.small.path), 'thumb.jpg'), thumb);
    ctx.log(`thumbnail is ${thumb.length} bytes`);
    const script = headersScript(path.join(ctx.work, 'none.lua'), {});
    // The same method as the 4 KiB GET row: a warm-up, then 10 s, for Kura and nginx alike.
    const measure = async (url) => {
      const warm = await wrk(url, { seconds: 3, script });
      if (warm.non2xx > 0) throw new BenchError(`${url}: ${warm.non2xx} non-2xx responses during the warm-up`);
      return wrk(url, { seconds: 10, script });
    };
    const kura = await measure(lastUrl);
    const ng = await measure(`${ctx.nginx.url}/thumb.jpg`);
    return [
      limitRow(`first resource?Type=1 of a 12 MP JPEG, p50 of ${PHOTOS}`, { kura: p.p50, max: 150, format: fmt.ms }),
      ratioRow('repeated thumbnail GET, wrk 1t/50c vs nginx, same bytes', { kura: kura.rps, ref: ng.rps, refLabel: 'nginx', min: 0.25, format: fmt.rps }),
      infoRow('repeated thumbnail p99 latency', { kura: fmt.ms(kura.latency.p99), reference: `${fmt.ms(ng.latency.p99)} (nginx)` }),
    ];
  },
};
