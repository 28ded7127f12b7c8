import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { io, setExitCode } from '../io.js';
import { makeOut } from '../output.js';
import { count, humanBytes } from '../units.js';
import { withCore } from './with-core.js';

export function fsckCommand(program: Command): void {
  program
    .command('fsck')
    .description('verify every stored blob against its SHA-256 and the metadata, and usage counters against a recount; reports, fixes nothing; exits 3 when it finds a problem (leftovers younger than the GC grace are pending, not problems)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      await withCore(async (core) => {
        const { stderr } = io();
        const bar = stderr.isTTY && !o.json ? new SingleBar({ stream: stderr as NodeJS.WritableStream, format: 'fsck [{bar}] {value}/{total} blobs' }, Presets.shades_classic) : undefined;
        let started = false;
        const result = await core.fsck((done, total) => {
          if (!bar) return;
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.update(done);
        });
        bar?.stop();
        const { pending } = result;
        makeOut(!!o.json).print({ ok: result.problems.length === 0, ...result }, () =>
          [
            `checked ${count(result.checked, 'blob')}: ${result.problems.length === 0 ? 'no problems' : count(result.problems.length, 'problem')}`,
            ...result.problems.flatMap((p) => [
              `${p.problem} ${p.hash}: ${p.detail}`,
              ...(p.affects ?? []).map((a) => `    affects ${a.path === '/' ? `space "${a.space}"` : `"${a.path}" in space "${a.space}"`}`),
            ]),
            ...(pending.objects + pending.uploads > 0
              ? [
                  `pending (not a problem): ${humanBytes(pending.bytes)} in ${count(pending.objects, 'object')} no file names (left by uploads refused or interrupted) and ${count(pending.uploads, 'abandoned upload folder')}, younger than the GC grace (KURA_GC_GRACE_SECONDS); GC removes them after it`,
                ]
              : []),
          ].join('\n'),
        );
        // Pending leftovers are the normal wake of refused uploads: only problems fail.
        if (result.problems.length > 0) setExitCode(3);
      });
    });
}
