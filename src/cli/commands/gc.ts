import type { Command } from 'commander';
import { makeOut } from '../output.js';
import { count, humanBytes } from '../units.js';
import { withCore } from './with-core.js';

export function gcCommand(program: Command): void {
  program
    .command('gc')
    .description('delete stored content no version references any more (after KURA_GC_GRACE_SECONDS)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      await withCore(async (core) => {
        const r = await core.gc();
        makeOut(!!o.json).print(r, () =>
          [
            `freed ${humanBytes(r.bytes)}: ${count(r.deleted, 'unreferenced blob')} deleted${r.orphans ? ` (${r.orphans} of them left by interrupted uploads)` : ''}, ${count(r.sessions, 'abandoned upload folder')} removed`,
            `${count(r.expired, 'expired item')} deleted for good`,
            r.waiting.blobs + r.waiting.sessions > 0
              ? `${humanBytes(r.waiting.bytes)} in ${count(r.waiting.blobs, 'blob')} waits out the grace period (KURA_GC_GRACE_SECONDS) and goes in a later run (skipped: ${r.waiting.orphans} of them left by refused or interrupted uploads; ${count(r.waiting.sessions, 'abandoned upload folder')})`
              : 'nothing waits out the grace period',
          ].join('\n'),
        );
      });
    });
}
