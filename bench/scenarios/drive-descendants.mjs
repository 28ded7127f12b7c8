// drive `file/descendants` of a 10,000-node tree (folders and files, three levels), vs nginx
// serving the same answer.
import { createFolderTree, driveUrl, fromOid, readRows, seedFiles } from '../lib/drive.mjs';
import { BenchError } from '../lib/proc.mjs';

const NODES = 10_000;
const BRANCH = 10; // 10 folders, 10 subfolders in each: 110 folders
const SAMPLES = 40;

const pad = (n) => String(n).padStart(2, '0');

/** Nodes (folders and files) under a descendants answer. */
function count(nodes) {
  let n = 0;
  for (const node of nodes) {
    if (!Array.isArray(node.Children)) throw new BenchError(`file/descendants: node ${node._id} has no Children array`);
    n += 1 + count(node.Children);
  }
  return n;
}

export default {
  id: 'drive-descendants',
  title: 'drive file/descendants of a 10,000-node tree vs nginx (same bytes)',
  async run(ctx) {
    // Seeding, untimed: the folders in one create_folder_tree, then the files spread over the
    // 100 leaf folders (native multipart, one request per leaf).
    const t0 = Date.now();
    const tree = await createFolderTree(ctx.kura, ctx.kura.rootId, {
      Name: 'tree-10k',
      Children: Array.from({ length: BRANCH }, (_, i) => ({ Name: `d${pad(i)}`, Children: Array.from({ length: BRANCH }, (_, j) => ({ Name: `d${pad(i)}-${pad(j)}`, Children: [] })) })),
    });
    const leaves = tree.Children.flatMap((c) => c.Children).map((c) => fromOid(c._id));
    const folders = BRANCH + leaves.length;
    const files = NODES - folders;
    ctx.log(`seeding a tree of ${folders} folders and ${files.toLocaleString('en-US')} files (untimed)`);
    let next = 0;
    const queue = leaves.map((id, i) => ({ id, n: Math.floor(files / leaves.length) + (i < files % leaves.length ? 1 : 0) }));
    const worker = async () => {
      while (next < queue.length) {
        const { id, n } = queue[next++];
        await seedFiles(ctx.kura, id, n, { prefix: 'g', parallel: 1 });
      }
    };
    await Promise.all([worker(), worker()]);
    ctx.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    return readRows(ctx, {
      label: `file/descendants, ${NODES.toLocaleString('en-US')} nodes`,
      url: driveUrl(ctx.kura, 'descendants', { FolderId: tree._id }),
      n: SAMPLES,
      max: 300,
      file: 'drive-descendants.json',
      check(data) {
        if (!Array.isArray(data) || data.length !== BRANCH) throw new BenchError(`file/descendants: ${data?.length} top nodes, expected ${BRANCH}`);
        const got = count(data);
        if (got !== NODES) throw new BenchError(`file/descendants: ${got} nodes, expected ${NODES}`);
      },
    });
  },
};
