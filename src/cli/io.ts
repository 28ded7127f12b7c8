import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';

/**
 * Where a `kura` command reads its configuration and input and writes its output. The
 * binary passes the process's own; a caller that runs commands in its own process (the
 * test suite, a supervisor) passes another environment and collects the output, and the
 * process's environment, streams and exit code are left alone.
 */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdin: Readable & { isTTY?: boolean };
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

interface Running extends CliIo {
  exitCode?: number;
}

const current = new AsyncLocalStorage<Running>();

/** The process's own environment and streams (what `bin/kura.js` runs with). */
export const processIo = (): CliIo => ({ env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });

/** The io of the command running now (the process's own outside `main`). */
export const io = (): CliIo => current.getStore() ?? processIo();

/** Sets the exit code of the command running now, without ending it. */
export function setExitCode(code: number): void {
  const running = current.getStore();
  if (running) running.exitCode = code;
  else process.exitCode = code;
}

/** Runs `fn` as a command with `cliIo`; resolves with what it returned and the exit code it set. */
export async function withIo<T>(cliIo: CliIo, fn: () => Promise<T>): Promise<{ value: T; exitCode: number | undefined }> {
  const running: Running = { ...cliIo };
  const value = await current.run(running, fn);
  return { value, exitCode: running.exitCode };
}
