// drive `file/info` for 100 ids (files of the 10,000-file folder), vs nginx serving the same answer.
import { driveUrl, ensureFlatFolder, oid, readRows } from '../lib/drive.mjs';
import { BenchError } from '../lib/proc.mjs';

const IDS = 100;
const SAMPLES = 50;

export default {
  id: 'drive-info',
  title: 'drive file/info for 100 ids vs nginx (same bytes)',
  async run(ctx) {
    const { fileIds } = await ensureFlatFolder(ctx);
    // Spread over the folder, not its first 100 rows.
    const step = Math.floor(fileIds.length / IDS);
    const ids = Array.from({ length: IDS }, (_, i) => oid(fileIds[i * step]));
    return readRows(ctx, {
      label: `file/info, ${IDS} ids`,
      url: driveUrl(ctx.kura, 'info', { ItemIds: JSON.stringify(ids) }),
      n: SAMPLES,
      max: 30,
      file: 'drive-info.json',
      check(data) {
        if (!Array.isArray(data) || data.length !== IDS) throw new BenchError(`file/info: ${data?.length} items, expected ${IDS}`);
        data.forEach((it, i) => {
          if (it._id !== ids[i] || !Array.isArray(it.History) || it.History.length !== 1) throw new BenchError(`file/info: item ${i} is ${JSON.stringify(it).slice(0, 200)}, expected ${ids[i]} with its History`);
        });
      },
    });
  },
};
