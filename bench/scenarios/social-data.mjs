// social: GET /files/:id/data (no token) and GET /files/users/:id/avatar (Bearer) of the
// same 40 KB 500×500 JPEG under wrk, each against nginx serving those bytes in the same run.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { request, requestJson } from '../lib/http.mjs';
import { BenchError } from '../lib/proc.mjs';
import { socialUpload } from '../lib/social.mjs';
import { fmt, infoRow, ratioRow } from '../lib/table.mjs';
import { headersScript, wrk } from '../lib/wrk.mjs';

const SECONDS = Number(process.env.KURA_BENCH_WRK_SECONDS ?? 10);

/** A 500×500 JPEG of about 40 KB (noise at a quality found by bisection). */
async function avatarJpeg() {
  let lo = 5;
  let hi = 95;
  let best;
  while (lo <= hi) {
    const q = Math.floor((lo + hi) / 2);
    const b = await sharp({ create: { width: 500, height: 500, channels: 3, background: { r: 120, g: 80, b: 200 }, noise: { type: 'gaussian', mean: 120, sigma: 30 } } })
      .jpeg({ quality: q })
      .toBuffer();
    if (!best || Math.abs(b.length - 40_000) < Math.abs(best.length - 40_000)) best = b;
    if (b.length > 40_000) hi = q - 1;
    else lo = q + 1;
  }
  return best;
}

export default {
  id: 'social-data',
  title: 'social: 40 KB JPEG by id (data, no token) and as an avatar (Bearer), wrk vs nginx',
  async run(ctx) {
    const jpeg = await avatarJpeg();
    const sha = createHash('sha256').update(jpeg).digest('hex');
    ctx.log(`avatar JPEG: ${jpeg.length} bytes`);
    const id = await socialUpload(ctx.kura, jpeg, { name: 'avatar.jpg' });
    // The avatar: the same bytes, set through POST /files/users/avatar.
    const boundary = '----kurabenchavatar';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
      jpeg,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    await requestJson(`${ctx.kura.url}/files/users/avatar`, { method: 'POST', headers: { ...ctx.kura.auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) }, body }, [201]);
    const me = await requestJson(`${ctx.kura.url}/api/v1/me`, { headers: ctx.kura.auth });
    const userId = me.id ?? me.user?.id;
    if (typeof userId !== 'number') throw new BenchError(`GET /api/v1/me gave no user id: ${JSON.stringify(me).slice(0, 200)}`);
    await writeFile(path.join(path.dirname(ctx.files.small.path), 'avatar.jpg'), jpeg);

    const urls = {
      data: `${ctx.kura.url}/files/${id}/data`,
      avatar: `${ctx.kura.url}/files/users/${userId}/avatar`,
      nginx: `${ctx.nginx.url}/avatar.jpg`,
    };
    for (const [name, url] of Object.entries(urls)) {
      const r = await request(url, { headers: ctx.kura.auth });
      const got = createHash('sha256').update(r.body).digest('hex');
      if (r.status !== 200 || got !== sha) throw new BenchError(`${name} served the JPEG wrong (HTTP ${r.status}, ${r.body.length} bytes)`);
    }
    const noAuth = headersScript(path.join(ctx.work, 'social-none.lua'), {});
    const auth = headersScript(path.join(ctx.work, 'social-auth.lua'), ctx.kura.auth);
    const measure = async (name, url, script) => {
      const warm = await wrk(url, { seconds: 2, script });
      if (warm.non2xx > 0) throw new BenchError(`${name}: ${warm.non2xx} non-2xx responses during the warm-up`);
      const r = await wrk(url, { seconds: SECONDS, script });
      if (r.non2xx > 0) throw new BenchError(`${name}: ${r.non2xx} of ${r.requests} responses were not 2xx`);
      if (r.bytesRead / r.requests < jpeg.length) throw new BenchError(`${name}: fewer bytes per response than the file`);
      ctx.log(`wrk ${name}: ${fmt.rps(r.rps)}, p99 ${fmt.ms(r.latency.p99)}`);
      return r;
    };
    // nginx is measured between the two Kura rows, so both ratios see the same conditions.
    const data = await measure('social data', urls.data, noAuth);
    const ng = await measure('nginx', urls.nginx, auth);
    const avatar = await measure('social avatar', urls.avatar, auth);
    return [
      ratioRow(`social GET /files/:id/data, ${(jpeg.length / 1000).toFixed(0)} KB JPEG, wrk 1t/50c`, { kura: data.rps, ref: ng.rps, refLabel: 'nginx', min: 0.3, format: fmt.rps }),
      ratioRow('social GET /files/users/:id/avatar, same JPEG, Bearer', { kura: avatar.rps, ref: ng.rps, refLabel: 'nginx', min: 0.3, format: fmt.rps }),
      infoRow('social data / avatar p99 latency', { kura: `${fmt.ms(data.latency.p99)} / ${fmt.ms(avatar.latency.p99)}`, reference: `${fmt.ms(ng.latency.p99)} (nginx)` }),
    ];
  },
};
