import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { BIN } from '../helpers/process.js';

/** A `kura serve` (or any command) in its own process, with everything it prints. */
export interface Spawned {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout's JSON lines so far (LOG_FORMAT=json or not a terminal). */
  records(): Record<string, unknown>[];
  /** Resolves when `test` holds on stdout, rejects if the process exits first or after `ms`. */
  waitFor(test: (stdout: string) => boolean, ms?: number): Promise<void>;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
}

/**
 * `opts.group`: the command runs in its own process group and stop() signals the whole group
 * (npx does not pass SIGTERM on to the command it runs).
 */
export function spawnKura(args: string[], env: Record<string, string>, opts: { command?: string; cwd?: string; group?: boolean } = {}): Spawned {
  const command = opts.command ?? process.execPath;
  const argv = opts.command ? args : [BIN, ...args];
  const base = { ...process.env };
  // The test runner's own settings must not leak into the server under test.
  for (const k of Object.keys(base)) if (/^(DATABASE_URL|BLOB_STORE|S3_|PUBLIC_URL|HOST|PORT|DATA_DIR|LOG_|KURA_(?!TEST_DATABASE_URL))/.test(k)) delete base[k];
  const proc = spawn(command, argv, { env: { ...base, ...env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.group === true });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => proc.on('close', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const w of waiters) w();
  });
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    records: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    waitFor(test, ms = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out; stdout: ${out}\nstderr: ${err}`)), ms);
        const check = () => {
          if (test(out)) finish();
          else if (done) finish(new Error(`exited first; stdout: ${out}\nstderr: ${err}`));
        };
        const finish = (e?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (e) reject(e);
          else resolve();
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (!done) {
        if (opts.group) process.kill(-proc.pid!, 'SIGTERM');
        else proc.kill('SIGTERM');
      }
      return exited;
    },
  };
}

/** A TCP port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** The banner record of a JSON log. */
export function bannerOf(records: Record<string, unknown>[]): Record<string, unknown> | undefined {
  return records.find((r) => r.banner === true);
}
