// drive `copy_items` of the 1 GiB file: a metadata-only copy (content is shared by hash), vs
// the HTTP round-trip floor (nginx serving Kura's own answer).
import { statfs } from 'node:fs/promises';
import { createFolderTree, driveGet, drivePostRaw, envelope, fromOid, oid, roundTripFloor } from '../lib/drive.mjs';
import { measure, percentiles } from '../lib/measure.mjs';
import { BenchError } from '../lib/proc.mjs';
import { fmt, infoRow, limitRow } from '../lib/table.mjs';

const SAMPLES = 30;
const WARMUP = 3;

const freeBytes = async (dir) => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

export default {
  id: 'drive-copy',
  title: 'drive copy_items of a 1 GiB file (metadata only) vs the round-trip floor',
  async run(ctx) {
    const big = ctx.files.big;
    const item = await ctx.ensureUploaded('big');
    // One empty destination folder per copy (made untimed, in one create_folder_tree), so
    // every sample is the same work: no name clash to resolve.
    const tree = await createFolderTree(ctx.kura, ctx.kura.rootId, {
      Name: 'copies',
      Children: Array.from({ length: WARMUP + SAMPLES }, (_, i) => ({ Name: `c${String(i).padStart(2, '0')}`, Children: [] })),
    });
    const dests = tree.Children.map((c) => c._id);
    const free = await freeBytes(ctx.work);
    let k = 0;
    let answer;
    const samples = await measure(
      async () => {
        const r = await drivePostRaw(ctx.kura, 'copy_items', { DestFolderId: dests[k++], ItemIds: [oid(item.id)] });
        envelope('POST /v1/file/copy_items', r);
        answer = r.body;
        return true;
      },
      { n: SAMPLES, warmup: WARMUP, label: 'copy_items of the 1 GiB file' },
    );
    // Every destination now holds one 1 GiB file, and the disk did not pay for the copies.
    for (const dest of [dests[0], dests[dests.length - 1]]) {
      const list = await driveGet(ctx.kura, 'children', { FolderId: dest });
      if (list.length !== 1 || list[0].Name !== big.name || list[0].FileSize !== big.size) throw new BenchError(`copy_items: folder ${dest} holds ${JSON.stringify(list).slice(0, 300)}, expected ${big.name} of ${big.size} bytes`);
      if (fromOid(list[0]._id) === item.id) throw new BenchError('copy_items: the copy has the source id');
    }
    const used = free - (await freeBytes(ctx.work));
    if (used > (k * big.size) / 2) throw new BenchError(`copy_items: free disk space fell by ${fmt.mb(used)} during ${k} copies of 1 GiB: not metadata only`);

    const p = percentiles(samples, [50, 95]);
    const floor = await roundTripFloor(ctx, 'drive-copy.json', answer, SAMPLES);
    ctx.log(`copy_items 1 GiB: p50 ${fmt.ms(p.p50)} p95 ${fmt.ms(p.p95)}; floor ${fmt.ms(floor.p50)}`);
    return [
      limitRow(`copy_items, 1 GiB file, p50 of ${SAMPLES}`, { kura: p.p50, max: 50, format: fmt.ms, ref: floor.p50, refLabel: 'nginx round trip' }),
      infoRow('copy_items, 1 GiB file, p95 (same run)', { kura: fmt.ms(p.p95), reference: `${fmt.ms(floor.p95)} (nginx round trip)` }),
    ];
  },
};
