import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The real command line, as `npm start` runs it (needs the build in dist/). */
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'kura.js');

/** Runs one `kura` command to its end. */
export function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Starts `kura serve` in its own process on a free port (or `port`); resolves with its URL once it listens. */
export async function startProcess(env: Record<string, string>, port = 0): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [BIN, 'serve'], { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    };
    proc.stdout!.on('data', onData);
    proc.on('exit', (c) => reject(new Error(`server exited (${c}): ${out}`)));
  });
  return { proc, url };
}

