// Child processes: one-shot commands, long-running servers, CPU pinning, /proc readings.
// Every child is registered so that cleanup (normal end, error, Ctrl-C) can stop it.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** CPU cores: servers under test run on SERVER_CORE, load generators on CLIENT_CORE. */
export const SERVER_CORE = 0;
export const CLIENT_CORE = 1;

const live = new Set();

export class BenchError extends Error {}

/** Prefix a command with `taskset -c <core>` (taskset execs it: same pid). */
export function pinned(core, cmd, args) {
  return core === undefined || core === null ? [cmd, args] : ['taskset', ['-c', String(core), cmd, ...args]];
}

/** Path of an executable on PATH, or null. */
export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v "${cmd}"`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Run a command to completion. Resolves { code, stdout, stderr, seconds } (seconds: wall clock
 * from spawn to exit); rejects on spawn errors and, unless allowFail, on a non-zero exit.
 * opts: { core, env, cwd, stdout: 'pipe'|'ignore', onStdout(chunk), timeoutMs, allowFail }
 */
export function run(cmd, args, opts = {}) {
  const [c, a] = pinned(opts.core, cmd, args);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(c, a, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', opts.stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'],
    });
    live.add(child);
    const out = [];
    const err = [];
    child.stdout?.on('data', (d) => (opts.onStdout ? opts.onStdout(d) : out.push(d)));
    child.stderr.on('data', (d) => err.push(d));
    let timer;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      live.delete(child);
      reject(new BenchError(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const res = { code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), seconds };
      if ((code !== 0 || signal) && !opts.allowFail) {
        const why = signal ? `killed by ${signal}` : `exit ${code}`;
        reject(new BenchError(`${[c, ...a].join(' ')}: ${why}${res.stderr.trim() ? `\n${tail(res.stderr)}` : ''}`));
      } else resolve(res);
    });
  });
}

function tail(text, lines = 15) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Start a long-running process (a server). Returns { pid, child, exited, stderrTail(), stop() }.
 * `exited` resolves with a description when the process ends, so callers can race it.
 */
export function startDaemon(name, cmd, args, opts = {}) {
  const [c, a] = pinned(opts.core, cmd, args);
  const child = spawn(c, a, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let log = '';
  const keep = (d) => {
    log = (log + d.toString('utf8')).slice(-16384);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let spawnError = null;
  child.on('error', (e) => (spawnError = e));
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve(spawnError ? `could not start: ${spawnError.message}` : signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
  });
  const d = {
    name,
    child,
    get pid() {
      return child.pid;
    },
    exited,
    running: () => child.exitCode === null && child.signalCode === null && !spawnError,
    output: () => tail(log),
    stop: (signal = 'SIGTERM', graceMs = 10000) => stopChild(child, exited, signal, graceMs),
  };
  return d;
}

async function stopChild(child, exited, signal, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(signal);
  } catch {
    /* already gone */
  }
  const t = sleep(graceMs).then(() => 'timeout');
  if ((await Promise.race([exited, t])) === 'timeout') {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
  }
}

/** Stop every child still running (cleanup path). */
export async function stopAll(graceMs = 5000) {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            try {
              child.kill('SIGKILL');
            } catch {
              /* gone */
            }
          }, graceMs);
          child.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          try {
            child.kill('SIGTERM');
          } catch {
            clearTimeout(timer);
            resolve();
          }
        }),
    ),
  );
}

/** Last-resort synchronous kill (process 'exit' handler). */
export function killAllSync() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Pin this process (all its threads) to a core; children inherit it unless they re-pin. */
export function pinSelf(core) {
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new BenchError(`cannot pin the bench process to core ${core}: ${(r.stderr || '').trim()}`);
}

/** True if `taskset -c <core>` can run a command on that core. */
export function coreUsable(core) {
  return spawnSync('taskset', ['-c', String(core), 'true']).status === 0;
}

/** The executable a pid runs (after taskset exec'd into it). */
export function exeOf(pid) {
  try {
    return realpathSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/** The CPU affinity list of a pid, e.g. "0". */
export function affinityOf(pid) {
  const m = /Cpus_allowed_list:\s*(\S+)/.exec(readProcStatus(pid));
  return m ? m[1] : null;
}

function readProcStatus(pid) {
  return readFileSync(`/proc/${pid}/status`, 'utf8');
}

function statusBytes(pid, field) {
  const m = new RegExp(`^${field}:\\s*(\\d+)\\s*kB`, 'm').exec(readProcStatus(pid));
  if (!m) throw new BenchError(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** Peak resident set size (VmHWM) in bytes. */
export const peakRss = (pid) => statusBytes(pid, 'VmHWM');
/** Current resident set size (VmRSS) in bytes. */
export const currentRss = (pid) => statusBytes(pid, 'VmRSS');

/** Reset VmHWM to the current RSS (Linux ≥ 4.0, owner of the process). False if not possible. */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU seconds a process has used so far, user and system (/proc/<pid>/stat, fields 14 and 15). */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const hz = 100;
  return { user: Number(fields[11]) / hz, system: Number(fields[12]) / hz };
}
