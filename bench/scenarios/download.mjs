// 2. Download of the 1 GiB file through Kura vs nginx serving the same bytes.
import { curlDownload, curlSha256 } from '../lib/http.mjs';
import { contentUrl } from '../lib/kura.mjs';
import { best } from '../lib/measure.mjs';
import { BenchError, peakRss, resetPeakRss } from '../lib/proc.mjs';
import { fmt, ratioRow } from '../lib/table.mjs';

const RUNS = 3;

export default {
  id: 'download',
  title: '1 GiB download, Kura vs nginx',
  async run(ctx) {
    const big = ctx.files.big;
    const item = await ctx.ensureUploaded('big');
    const servers = {
      kura: { url: contentUrl(ctx.kura, item.id), headers: ctx.kura.auth },
      nginx: { url: `${ctx.nginx.url}/${big.name}`, headers: ctx.kura.auth },
    };
    const pid = ctx.kura.pid;
    const reset = resetPeakRss(pid);

    // Correctness once per server, outside the timing.
    for (const [name, s] of Object.entries(servers)) {
      ctx.log(`download: checking the SHA-256 of what ${name} serves`);
      const got = await curlSha256(s.url, s.headers);
      if (got.bytes !== big.size || got.sha256 !== big.sha256) {
        throw new BenchError(`${name} served ${got.bytes} bytes with SHA-256 ${got.sha256}, expected ${big.size} bytes ${big.sha256}`);
      }
    }

    // Best of RUNS, servers alternating so drift hits both alike.
    const results = { kura: [], nginx: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const [name, s] of Object.entries(servers)) {
        const r = await curlDownload(s.url, s.headers);
        if (r.status !== 200 || r.downloaded !== big.size) throw new BenchError(`${name}: HTTP ${r.status}, ${r.downloaded} bytes (expected 200, ${big.size})`);
        results[name].push({ ...r, rate: big.size / r.seconds });
        ctx.log(`download ${i + 1}/${RUNS} ${name}: ${fmt.rate(big.size / r.seconds)}`);
      }
    }
    ctx.rss.download = { bytes: peakRss(pid), sinceStart: !reset };

    return [
      ratioRow(`download 1 GiB (curl, best of ${RUNS})`, {
        kura: best(results.kura, 'rate').rate,
        ref: best(results.nginx, 'rate').rate,
        refLabel: 'nginx',
        min: 0.8,
        format: fmt.rate,
      }),
    ];
  },
};
