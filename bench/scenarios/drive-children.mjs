// drive `file/children` of a folder holding 10,000 files, vs nginx serving the same answer.
import { FLAT_FILES, driveUrl, ensureFlatFolder, oid, readRows } from '../lib/drive.mjs';
import { BenchError } from '../lib/proc.mjs';

const SAMPLES = 40;

export default {
  id: 'drive-children',
  title: 'drive file/children of a 10,000-file folder vs nginx (same bytes)',
  async run(ctx) {
    const { folderId, fileIds } = await ensureFlatFolder(ctx);
    // The whole listing with every property (no ListParams), as a client browsing the folder gets it.
    return readRows(ctx, {
      label: `file/children, ${FLAT_FILES.toLocaleString('en-US')} files`,
      url: driveUrl(ctx.kura, 'children', { FolderId: oid(folderId) }),
      n: SAMPLES,
      max: 150,
      file: 'drive-children.json',
      check(data) {
        if (!Array.isArray(data) || data.length !== FLAT_FILES) throw new BenchError(`file/children: ${data?.length} items, expected ${FLAT_FILES}`);
        const want = new Set(fileIds.map(oid));
        const bad = data.find((it) => it.IsFolder !== false || !want.has(it._id));
        if (bad) throw new BenchError(`file/children: unexpected item ${JSON.stringify(bad).slice(0, 200)}`);
      },
    });
  },
};
