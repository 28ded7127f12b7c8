// media `GET /file/:id/thumbnail.jpeg`: the first thumbnail of 12-megapixel JPEGs, then
// repeats (served from the stored derivative) against nginx serving the same bytes.
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { request } from '../lib/http.mjs';
import { mediaUpload } from '../lib/media.mjs';
import { percentiles } from '../lib/measure.mjs';
import { BenchError } from '../lib/proc.mjs';
import { fmt, infoRow, limitRow, ratioRow } from '../lib/table.mjs';
import { headersScript, wrk } from '../lib/wrk.mjs';

const PHOTOS = 7;
const SIZE = 172;

export default {
  id: 'media-thumb',
  title: 'media thumbnails: first of a 12 MP JPEG, then repeats vs nginx',
  async run(ctx) {
    const firsts = [];
    let lastUrl;
    for (let i = 0; i < PHOTOS; i++) {
      // A different noisy photo each time (as thumbnail.mjs), so every first request decodes.
      const data = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 30 * i, g: 100, b: 150 }, noise: { type: 'gaussian', mean: 100 + i, sigma: 35 } } })
        .jpeg({ quality: 88 })
        .toBuffer();
      const [f] = await mediaUpload(ctx.kura, [{ name: `media-photo-${i}.jpeg`, data }]);
      const url = `${ctx.kura.url}/file/${f.id}/thumbnail.jpeg?size=${SIZE}`;
      const t0 = process.hrtime.bigint();
      const r = await request(url, { headers: ctx.kura.auth });
      firsts.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (r.status !== 200) throw new BenchError(`thumbnail answered ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`);
      const m = await sharp(r.body).metadata();
      if (m.format !== 'jpeg' || m.width !== Math.round((SIZE * 4) / 3) || m.height !== SIZE) throw new BenchError(`thumbnail is ${m.format} ${m.width}×${m.height}, expected jpeg 229×${SIZE}`);
      lastUrl = url;
    }
    ctx.log(`first media thumbnails: ${firsts.map((m) => m.toFixed(0)).join(', ')} ms`);
    const p = percentiles(firsts, [50]);
    const thumb = (await request(lastUrl, { headers: ctx.kura.auth })).body;
    await writeFile(path.join(path.dirname(ctx.files.small.path), 'media-thumb.jpg'), thumb);
    // The same method as thumbnail.mjs and small-get.mjs: a warm-up, then 10 s, for both.
    const script = headersScript(path.join(ctx.work, 'media-auth.lua'), ctx.kura.auth);
    const measure = async (url) => {
      const warm = await wrk(url, { seconds: 3, script });
      if (warm.non2xx > 0) throw new BenchError(`${url}: ${warm.non2xx} non-2xx responses during the warm-up`);
      return wrk(url, { seconds: 10, script });
    };
    const kura = await measure(lastUrl);
    const ng = await measure(`${ctx.nginx.url}/media-thumb.jpg`);
    return [
      limitRow(`first /file/:id/thumbnail.jpeg?size=${SIZE} of a 12 MP JPEG, p50 of ${PHOTOS}`, { kura: p.p50, max: 150, format: fmt.ms }),
      ratioRow('repeated media thumbnail GET, wrk 1t/50c vs nginx, same bytes', { kura: kura.rps, ref: ng.rps, refLabel: 'nginx', min: 0.25, format: fmt.rps }),
      infoRow('repeated media thumbnail p99 latency', { kura: fmt.ms(kura.latency.p99), reference: `${fmt.ms(ng.latency.p99)} (nginx)` }),
    ];
  },
};
