// 3. 4 KiB downloads under load: Kura's content endpoint (Bearer token) vs nginx static.
import path from 'node:path';
import { curlSha256 } from '../lib/http.mjs';
import { contentUrl } from '../lib/kura.mjs';
import { BenchError } from '../lib/proc.mjs';
import { fmt, infoRow, ratioRow } from '../lib/table.mjs';
import { headersScript, wrk } from '../lib/wrk.mjs';

const THREADS = 1;
const CONNECTIONS = 50;
const SECONDS = Number(process.env.KURA_BENCH_WRK_SECONDS ?? 10);
const WARMUP_SECONDS = 2;

export default {
  id: 'small-get',
  title: '4 KiB GET under wrk, Kura vs nginx',
  async run(ctx) {
    const small = ctx.files.small;
    const item = await ctx.ensureUploaded('small');
    // Both servers get the same script (nginx ignores the header): same requests, same tool.
    const script = headersScript(path.join(ctx.work, 'auth.lua'), ctx.kura.auth);
    const servers = { kura: contentUrl(ctx.kura, item.id), nginx: `${ctx.nginx.url}/${small.name}` };

    const res = {};
    for (const [name, url] of Object.entries(servers)) {
      const got = await curlSha256(url, ctx.kura.auth);
      if (got.sha256 !== small.sha256) throw new BenchError(`${name} served the 4 KiB file wrong (${got.bytes} bytes, SHA-256 ${got.sha256})`);
      ctx.log(`wrk ${name}: ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s, ${THREADS} thread ${CONNECTIONS} connections`);
      const opts = { threads: THREADS, connections: CONNECTIONS, script };
      const warm = await wrk(url, { ...opts, seconds: WARMUP_SECONDS });
      if (warm.non2xx > 0) throw new BenchError(`${name}: ${warm.non2xx} non-2xx responses during the warm-up\n${warm.raw}`);
      const r = await wrk(url, { ...opts, seconds: SECONDS });
      if (r.non2xx > 0) throw new BenchError(`${name}: ${r.non2xx} of ${r.requests} responses were not 2xx\n${r.raw}`);
      const errs = Object.entries(r.socketErrors).filter(([, n]) => n > 0);
      if (errs.length) ctx.note(`wrk ${name} socket errors: ${errs.map(([k, n]) => `${k} ${n}`).join(', ')}`);
      const perRequest = r.bytesRead / r.requests;
      if (perRequest < small.size) throw new BenchError(`${name}: ${perRequest.toFixed(0)} bytes read per request, less than the ${small.size}-byte file`);
      res[name] = r;
      ctx.log(`wrk ${name}: ${fmt.rps(r.rps)}, p99 ${fmt.ms(r.latency.p99)}`);
    }

    return [
      ratioRow(`4 KiB GET, wrk ${THREADS}t/${CONNECTIONS}c ${SECONDS} s`, { kura: res.kura.rps, ref: res.nginx.rps, refLabel: 'nginx', min: 0.25, format: fmt.rps }),
      infoRow('4 KiB GET p99 latency (same run)', { kura: fmt.ms(res.kura.latency.p99), reference: `${fmt.ms(res.nginx.latency.p99)} (nginx)` }),
    ];
  },
};
