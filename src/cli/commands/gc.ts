import type { Command } from 'commander';
import { makeOut } from '../output.js';
import { withCore } from './with-core.js';

export function gcCommand(program: Command): void {
  program
    .command('gc')
    .description('delete stored content no version references any more (after KURA_GC_GRACE_SECONDS)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      await withCore(async (core) => {
        const r = await core.gc();
        makeOut(!!o.json).print(r, () => `deleted ${r.deleted} unreferenced blobs (${r.bytes} bytes; ${r.orphans} of them objects no metadata named) and ${r.sessions} abandoned upload folders; purged ${r.expired} expired items`);
      });
    });
}
