import { createHash } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import type { Core } from '../../core/index.js';
import { blobPage, countedRefs } from '../../store/repos/blobs.js';
import { makeOut } from '../output.js';
import { withCore } from './with-core.js';

export interface FsckProblem {
  hash: string;
  problem: 'missing' | 'hash_mismatch' | 'size_mismatch' | 'refcount_mismatch' | 'orphan_object';
  detail: string;
}

/**
 * Verifies every blob against its SHA-256 and the metadata's references. Reports, never
 * fixes: repairs are a decision for a person.
 */
export async function fsck(core: Core, onProgress?: (done: number, total: number) => void): Promise<{ checked: number; problems: FsckProblem[] }> {
  const db = core.ctx.database.db;
  const blobs = core.ctx.blobs;
  const total = Number((await db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const problems: FsckProblem[] = [];
  const known = new Set<string>();
  let checked = 0;
  let after = '';
  for (;;) {
    const page = await blobPage(db, after, 500);
    if (page.length === 0) break;
    for (const b of page) {
      after = b.hash;
      known.add(b.hash);
      const refs = await countedRefs(db, b.hash);
      if (refs !== Number(b.refcount)) problems.push({ hash: b.hash, problem: 'refcount_mismatch', detail: `metadata says ${b.refcount} references, versions hold ${refs}` });
      if (!(await blobs.has(b.hash))) {
        if (Number(b.refcount) > 0) problems.push({ hash: b.hash, problem: 'missing', detail: `referenced ${b.refcount} times but absent from the ${blobs.kind} store` });
      } else {
        const h = createHash('sha256');
        let size = 0;
        for await (const chunk of await blobs.read(b.hash)) {
          h.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        const digest = h.digest('hex');
        if (digest !== b.hash) problems.push({ hash: b.hash, problem: 'hash_mismatch', detail: `content hashes to ${digest}` });
        if (size !== Number(b.size)) problems.push({ hash: b.hash, problem: 'size_mismatch', detail: `metadata says ${b.size} bytes, store holds ${size}` });
      }
      checked++;
      onProgress?.(checked, total);
    }
  }
  for await (const o of blobs.list()) {
    if (!known.has(o.hash)) problems.push({ hash: o.hash, problem: 'orphan_object', detail: `${o.size} bytes in the store with no metadata (left by an interrupted upload; GC-able)` });
  }
  return { checked, problems };
}

export function fsckCommand(program: Command): void {
  program
    .command('fsck')
    .description('verify every stored blob against its SHA-256 and the metadata; reports mismatches, fixes nothing')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      await withCore(async (core) => {
        const bar = process.stderr.isTTY && !o.json ? new SingleBar({ stream: process.stderr, format: 'fsck [{bar}] {value}/{total} blobs' }, Presets.shades_classic) : undefined;
        let started = false;
        const result = await fsck(core, (done, total) => {
          if (!bar) return;
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.update(done);
        });
        bar?.stop();
        makeOut(!!o.json).print({ ok: result.problems.length === 0, ...result }, () =>
          [`checked ${result.checked} blobs: ${result.problems.length === 0 ? 'no problems' : `${result.problems.length} problem(s)`}`, ...result.problems.map((p) => `${p.problem} ${p.hash}: ${p.detail}`)].join('\n'),
        );
        if (result.problems.length > 0) process.exitCode = 3;
      });
    });
}
