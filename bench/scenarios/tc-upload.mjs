import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { request, requestJson } from '../lib/http.mjs';
import { percentiles } from '../lib/measure.mjs';
import { BenchError } from '../lib/proc.mjs';
import { fmt, infoRow, limitRow } from '../lib/table.mjs';

const PHOTOS = 7;
const sha = (b) => createHash('sha256').update(b).digest('hex');

/** One multipart body holding one file part named `file`. */
function multipart(name, bytes) {
  const boundary = `----kura-bench-${sha(bytes).slice(0, 16)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: [head, bytes, tail], type: `multipart/form-data; boundary=${boundary}`, length: head.length + bytes.length + tail.length };
}

/**
 * 10Centuries `POST /files/upload` of a 12-megapixel JPEG: the whole request, which stores
 * the photo, validates it and makes its 960 px wide CDN copy (the full size stays as
 * `_original`). p50 of seven different photos, each checked afterwards (resized width,
 * original bytes).
 */
export default {
  id: 'tc-upload',
  title: '10Centuries upload of a 12-megapixel JPEG (resize plus _original)',
  async run(ctx) {
    const times = [];
    const sizes = [];
    for (let i = 0; i < PHOTOS; i++) {
      const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 30 * i, g: 100, b: 170 }, noise: { type: 'gaussian', mean: 115 + i, sigma: 35 } } })
        .jpeg({ quality: 88 })
        .toBuffer();
      sizes.push(photo.length);
      const m = multipart(`photo-${i}.jpg`, photo);
      const t0 = process.hrtime.bigint();
      const r = await request(`${ctx.kura.url}/files/upload`, {
        method: 'POST',
        headers: { Authorization: ctx.kura.token, 'Content-Type': m.type, 'Content-Length': String(m.length) },
        body: m.body,
        timeoutMs: 120_000,
      });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const answer = JSON.parse(r.body.toString('utf8'));
      const file = answer?.data?.files?.[0];
      if (r.status !== 200 || !file || answer.data.errors.length !== 0) throw new BenchError(`POST /files/upload answered ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
      if (file.file.size !== photo.length) throw new BenchError(`stored ${file.file.size} bytes, sent ${photo.length}`);
      const cdn = new URL(file.cdn_url).pathname;
      const resized = await request(`${ctx.kura.url}${cdn}`);
      const width = resized.status === 200 ? (await sharp(resized.body).metadata()).width : undefined;
      if (width !== 960) throw new BenchError(`the CDN copy answered ${resized.status} with width ${width}, not 960`);
      const original = await request(`${ctx.kura.url}${cdn.replace(/\.jpg$/, '_original.jpg')}`);
      if (original.status !== 200 || sha(original.body) !== sha(photo)) throw new BenchError('the _original differs from the upload');
    }
    ctx.log(`10Centuries uploads: ${times.map((t) => t.toFixed(0)).join(', ')} ms (photos of ${sizes.map((b) => (b / 1e6).toFixed(1)).join(', ')} MB)`);
    const p = percentiles(times, [50, 90]);
    // The bench user's listing shows the seven photos.
    const listed = await requestJson(`${ctx.kura.url}/files`, { headers: { Authorization: ctx.kura.token } });
    if (!Array.isArray(listed.data) || listed.data.length < PHOTOS) throw new BenchError(`GET /files lists ${listed.data?.length} files, expected at least ${PHOTOS}`);
    return [
      limitRow(`10Centuries POST /files/upload, 12 MP JPEG, p50 of ${PHOTOS}`, { kura: p.p50, max: 400, format: fmt.ms }),
      infoRow('10Centuries upload, 12 MP JPEG, slowest', { kura: fmt.ms(Math.max(...times)) }),
    ];
  },
};
