// The bench's scratch directory: checked for space, created, and removed at the end
// (normal end, error, Ctrl-C / SIGTERM), together with every child process still running.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchError, killAllSync, stopAll } from './proc.mjs';

export const GiB = 1024 ** 3;

/** Bytes available to this user on the filesystem holding `dir`. */
export function freeBytes(dir) {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/**
 * Create the work directory: `<parent>/run-XXXXXX`, parent being $KURA_BENCH_DIR, else
 * `<repo>/.bench` (gitignored), else the OS temp dir. Refuses if fewer than `needBytes` are free.
 */
export function createWorkdir(repo, needBytes) {
  const candidates = process.env.KURA_BENCH_DIR ? [path.resolve(process.env.KURA_BENCH_DIR)] : [path.join(repo, '.bench'), os.tmpdir()];
  let parent = null;
  let created = false;
  for (const c of candidates) {
    try {
      created = !existsSync(c);
      mkdirSync(c, { recursive: true });
      parent = c;
      break;
    } catch {
      /* try the next one */
    }
  }
  if (!parent) throw new BenchError(`cannot create a work directory in ${candidates.join(' or ')}`);
  removeStale(parent);
  const free = freeBytes(parent);
  if (free < needBytes) {
    if (created) removeIfEmpty(parent);
    throw new BenchError(
      `not enough free disk space in ${parent}: ${(free / GiB).toFixed(2)} GiB free, the bench needs ${(needBytes / GiB).toFixed(1)} GiB ` +
        '(a 1 GiB test file, a dd test file, the copy Kura stores and its staging file). ' +
        'Free some space or point KURA_BENCH_DIR at a filesystem with room.',
    );
  }
  const dir = mkdtempSync(path.join(parent, `run-${process.pid}-`));
  registerCleanup(dir, created ? parent : null);
  return { dir, parent, free };
}

/**
 * Remove work directories left by runs that were killed without a chance to clean up
 * (SIGKILL, power loss): `run-<pid>-*` whose pid no longer exists.
 */
function removeStale(parent) {
  for (const name of readdirSync(parent)) {
    const m = /^run-(\d+)-/.exec(name);
    if (!m || existsSync(`/proc/${m[1]}`)) continue;
    process.stderr.write(`bench: removing ${path.join(parent, name)}, left by an earlier run that did not finish\n`);
    rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

/** Remove a parent directory this run created (e.g. .bench/) once nothing is left in it. */
function removeIfEmpty(parent) {
  if (!parent) return;
  try {
    if (readdirSync(parent).length === 0) rmdirSync(parent);
  } catch {
    /* leave it */
  }
}

let cleaned = false;

function removeSync(dir, createdParent) {
  if (cleaned) return;
  cleaned = true;
  rmSync(dir, { recursive: true, force: true });
  removeIfEmpty(createdParent);
}

let cleanupNow = async () => undefined;
let interruptedBy = null;

/** The signal that interrupted the run, or null: scenarios stop, the table is not printed. */
export function interrupted() {
  return interruptedBy;
}

/** Stop children and remove the work directory; safe to call more than once. */
export function cleanup() {
  return cleanupNow();
}

function registerCleanup(dir, createdParent) {
  cleanupNow = async () => {
    await stopAll();
    removeSync(dir, createdParent);
  };
  const onSignal = (signal, code) => async () => {
    if (interruptedBy) return; // a second Ctrl-C while cleaning up: keep cleaning
    interruptedBy = signal;
    process.stderr.write(`\nbench: ${signal}, stopping servers and removing ${dir}\n`);
    try {
      await cleanupNow();
    } finally {
      process.exit(code);
    }
  };
  process.on('SIGINT', onSignal('SIGINT', 130));
  process.on('SIGTERM', onSignal('SIGTERM', 143));
  process.on('SIGHUP', onSignal('SIGHUP', 129));
  // Last resort (uncaught error, process.exit elsewhere): synchronous kill and removal.
  process.on('exit', () => {
    killAllSync();
    try {
      removeSync(dir, createdParent);
    } catch {
      /* nothing more we can do */
    }
  });
}
