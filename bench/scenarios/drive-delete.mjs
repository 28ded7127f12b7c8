// drive `delete_items` of 1,000 files in one request (to the recycle bin), vs the HTTP
// round-trip floor (nginx serving Kura's own answer). Between samples the files come back
// with recycle/reduction (untimed), so every sample deletes the same 1,000 live files.
import { createFolder, drivePost, drivePostRaw, envelope, oid, roundTripFloor, seedFiles } from '../lib/drive.mjs';
import { percentiles } from '../lib/measure.mjs';
import { BenchError } from '../lib/proc.mjs';
import { fmt, infoRow, limitRow } from '../lib/table.mjs';

const ITEMS = 1000;
const SAMPLES = 8;
const WARMUP = 1;

export default {
  id: 'drive-delete',
  title: 'drive delete_items of 1,000 files vs the round-trip floor',
  async run(ctx) {
    const folderId = await createFolder(ctx.kura, ctx.kura.rootId, 'delete-1000');
    ctx.log(`seeding ${ITEMS} files (untimed)`);
    const ids = (await seedFiles(ctx.kura, folderId, ITEMS, { prefix: 'x' })).map(oid);
    const samples = [];
    let answer;
    let restoreMs = 0;
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const t0 = process.hrtime.bigint();
      const r = await drivePostRaw(ctx.kura, 'delete_items', { ItemIds: ids });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const deleted = envelope('POST /v1/file/delete_items', r).Data;
      if (!Array.isArray(deleted) || deleted.length !== ITEMS) throw new BenchError(`delete_items: ${deleted?.length} ids deleted, expected ${ITEMS}`);
      if (i >= WARMUP) samples.push(ms);
      answer = r.body;
      const t1 = Date.now();
      const restored = await drivePost(ctx.kura, 'recycle/reduction', { ItemIds: ids });
      restoreMs += Date.now() - t1;
      if (restored?.length !== ITEMS) throw new BenchError(`recycle/reduction: ${restored?.length} restored, expected ${ITEMS}`);
    }
    ctx.log(`delete_items ${ITEMS}: ${samples.map((m) => m.toFixed(0)).join(', ')} ms (restores took ${(restoreMs / (WARMUP + SAMPLES)).toFixed(0)} ms each, untimed)`);
    const p = percentiles(samples, [50, 95]);
    const floor = await roundTripFloor(ctx, 'drive-delete.json', answer, 30);
    return [
      limitRow(`delete_items, ${ITEMS.toLocaleString('en-US')} files, p50 of ${SAMPLES}`, { kura: p.p50, max: 1000, format: fmt.ms, ref: floor.p50, refLabel: 'nginx round trip' }),
      infoRow(`delete_items, ${ITEMS.toLocaleString('en-US')} files, slowest of ${SAMPLES}`, { kura: fmt.ms(p.max), reference: `${fmt.ms(floor.p95)} (nginx p95)` }),
    ];
  },
};
