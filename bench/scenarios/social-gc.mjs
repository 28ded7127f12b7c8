// social: GC of 10,000 expired uploads (POST /files that no pin kept), on a Kura of its own
// started with a short KURA_UNPINNED_TTL; `kura gc` must delete them for good in ≤ 10 s.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import sharp from 'sharp';
import { request } from '../lib/http.mjs';
import { startKura } from '../lib/kura.mjs';
import { BenchError, SERVER_CORE, run } from '../lib/proc.mjs';
import { seedSocial } from '../lib/social.mjs';
import { fmt, infoRow, limitRow } from '../lib/table.mjs';

const FILES = Number(process.env.KURA_BENCH_SOCIAL_GC_FILES ?? 10_000);
const TTL_SECONDS = 2;

export default {
  id: 'social-gc',
  title: `social: GC of ${FILES.toLocaleString('en-US')} expired (unpinned) uploads`,
  async run(ctx) {
    const kura = await startKura({ repo: ctx.repo, dataDir: path.join(ctx.work, 'kura-social-gc'), env: { KURA_UNPINNED_TTL: `${TTL_SECONDS}s`, KURA_GC_GRACE_SECONDS: '0' } });
    try {
      // Small distinct JPEGs: one picture, each with its own trailing bytes (distinct content, distinct blobs).
      const base = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 1, g: 2, b: 3 } } }).jpeg().toBuffer();
      const make = (i) => Buffer.concat([base, Buffer.from(`#${i}#`)]);
      // A pinned one must survive: uploaded and pinned first, within its TTL.
      const [keepId] = await seedSocial(kura, 1, make, 1);
      const keep = await request(`${kura.url}/api/v1/items/${keepId}/pins`, { method: 'POST', headers: { ...kura.auth, 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'bench' }) });
      if (keep.status !== 201) throw new BenchError(`pinning answered ${keep.status}`);
      ctx.log(`seeding ${FILES - 1} more uploads through POST /files (untimed)`);
      const t0 = Date.now();
      const ids = [keepId, ...(await seedSocial(kura, FILES - 1, (i) => make(i + 1), 4))];
      ctx.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s; waiting ${TTL_SECONDS} s for them to expire`);
      await sleep(TTL_SECONDS * 1000 + 200);
      const bin = path.join(ctx.repo, 'bin', 'kura.js');
      const gc = await run(process.execPath, [bin, 'gc', '--json'], { cwd: ctx.repo, env: kura.env, core: SERVER_CORE });
      let report;
      try {
        report = JSON.parse(gc.stdout);
      } catch {
        throw new BenchError(`kura gc --json printed no JSON: ${gc.stdout.slice(0, 300)}`);
      }
      ctx.log(`kura gc: ${gc.seconds.toFixed(2)} s, ${JSON.stringify(report)}`);
      // The server's own GC (every 10 minutes) may have purged some if seeding was that slow.
      if (report.expired < 0.9 * (FILES - 1)) throw new BenchError(`kura gc purged only ${report.expired} of ${FILES - 1} expired items: seeding took over 10 minutes and the server's periodic GC took the rest (machine too busy)`);
      if (report.deleted < report.expired) throw new BenchError(`kura gc deleted ${report.deleted} blobs for ${report.expired} expired items`);
      // Fewer than the public-read miss limit (30 a minute per client), or the last would be 429.
      for (const id of ids.slice(1, 21)) {
        const r = await request(`${kura.url}/files/${id}/data`, { discard: true });
        if (r.status !== 404) throw new BenchError(`expired upload ${id} still answers ${r.status}`);
      }
      const gone = await request(`${kura.url}/files/${ids[1]}/data`, { discard: true });
      if (gone.status !== 404) throw new BenchError(`an expired upload still answers ${gone.status}`);
      const kept = await request(`${kura.url}/files/${ids[0]}/data`);
      if (kept.status !== 200 || createHash('sha256').update(kept.body).digest('hex') !== createHash('sha256').update(make(0)).digest('hex')) throw new BenchError('the pinned upload did not survive GC intact');
      // Node's start-up is part of `kura gc`: measured apart for context.
      const idle = await run(process.execPath, [bin, '--version'], { cwd: ctx.repo, env: kura.env, core: SERVER_CORE });
      return [
        limitRow(`kura gc, ${FILES.toLocaleString('en-US')} expired uploads (purge + blobs)`, { kura: gc.seconds * 1000, max: 10_000, format: fmt.ms }),
        infoRow('kura --version (process start-up, same core)', { kura: fmt.ms(idle.seconds * 1000) }),
      ];
    } finally {
      await kura.daemon.stop();
    }
  },
};
