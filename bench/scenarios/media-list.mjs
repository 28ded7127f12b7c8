// media `GET /file/list` with a `q` filter: one page of 50 over 100,000 files in one
// personal space root, vs nginx serving the same answer.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { nginxCopy } from '../lib/drive.mjs';
import { request } from '../lib/http.mjs';
import { measure, percentiles } from '../lib/measure.mjs';
import { seedMediaFiles, wav } from '../lib/media.mjs';
import { BenchError } from '../lib/proc.mjs';
import { fmt, infoRow, limitRow } from '../lib/table.mjs';

const FILES = 100_000;
const SAMPLES = 60;
const Q = 'maintype==image;size=gt=1000';

/** Twelve real files: images (PNG and JPEG) below and above 1000 bytes, audio, other. */
async function templates() {
  const img = (w, h, fmt) => sharp({ create: { width: w, height: h, channels: 3, background: '#2266aa', noise: { type: 'gaussian', mean: 100, sigma: 30 } } })[fmt]().toBuffer();
  return [
    { name: 'tiny.png', data: await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer() },
    { name: 'small.png', data: await img(40, 30, 'png') },
    { name: 'photo.jpeg', data: await img(120, 90, 'jpeg') },
    { name: 'wide.jpeg', data: await img(200, 50, 'jpeg') },
    { name: 'icon.png', data: await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).png().toBuffer() },
    { name: 'a.wav', data: wav(500, 1) },
    { name: 'b.wav', data: wav(5000, 2) },
    { name: 'c.wav', data: wav(20000, 3) },
    { name: 'a.bin', data: randomBytes(300) },
    { name: 'b.bin', data: randomBytes(3000) },
    { name: 'c.txt', data: Buffer.from('some text\n'.repeat(50)) },
    { name: 'big.png', data: await img(100, 100, 'png') },
  ];
}

export default {
  id: 'media-list',
  title: 'media GET /file/list, a page of 50 with a q filter over 100,000 files',
  async run(ctx) {
    const t0 = Date.now();
    ctx.log(`seeding ${FILES.toLocaleString('en-US')} files (12 uploaded through /file/upload, the rest as rows pointing at their blobs; untimed)`);
    const seeded = await seedMediaFiles(ctx.kura, await templates(), FILES);
    ctx.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const want = seeded.filter((f) => f.mime.startsWith('image/') && f.size > 1000);
    const url = `${ctx.kura.url}/file/list?limit=50&offset=100&q=${encodeURIComponent(Q)}`;
    const get = (u) => request(u, { headers: ctx.kura.auth });
    const first = await get(url);
    if (first.status !== 200) throw new BenchError(`GET /file/list: HTTP ${first.status} ${first.body.toString('utf8').slice(0, 300)}`);
    const page = JSON.parse(first.body.toString('utf8'));
    // Other scenarios may have put images in the same root before: at least the seeded ones.
    if (page.files?.length !== 50 || page.total < want.length) throw new BenchError(`GET /file/list: ${page.files?.length} files, total ${page.total}, expected 50 of ≥ ${want.length}`);
    const bad = page.files.find((f) => f.maintype !== 'image' || !(f.size > 1000));
    if (bad) throw new BenchError(`GET /file/list: ${JSON.stringify(bad)} does not match ${Q}`);
    const body = first.body;
    const refUrl = await nginxCopy(ctx, 'media-list.json', body);
    const timed = (fn, who) => measure(fn, { n: SAMPLES, warmup: 5, label: `media list (${who})` });
    // Each request asks for another of the first 100 pages (clients browse from the start),
    // so nothing is answered from a cache of the last one.
    const kura = percentiles(
      await timed(async (i) => {
        const r = await get(`${ctx.kura.url}/file/list?limit=50&offset=${(i * 50) % 5_000}&q=${encodeURIComponent(Q)}`);
        return r.status === 200;
      }, 'Kura'),
      [50, 95],
    );
    const ref = percentiles(await timed(async () => (await request(refUrl)).status === 200, 'nginx'), [50, 95]);
    ctx.log(`media list: Kura p50 ${fmt.ms(kura.p50)} p95 ${fmt.ms(kura.p95)}; nginx p50 ${fmt.ms(ref.p50)}`);
    return [
      limitRow(`/file/list?q=${Q}, 50 of ${page.total.toLocaleString('en-US')} over ${FILES.toLocaleString('en-US')}, p50 of ${SAMPLES}`, { kura: kura.p50, max: 20, format: fmt.ms, ref: ref.p50, refLabel: 'nginx, same answer' }),
      infoRow('media list p95 (same run)', { kura: fmt.ms(kura.p95), reference: `${fmt.ms(ref.p95)} (nginx)` }),
    ];
  },
};
