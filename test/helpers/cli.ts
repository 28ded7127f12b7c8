import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/**
 * Runs one `kura` command in this process, with `env` over the test process's environment
 * and its output collected: the same code as the binary (`bin/kura.js` only calls `main`),
 * without a Node.js start per command. Tests of the process itself (start-up, signals, the
 * installed binary) spawn it instead (process.ts).
 */
export async function kuraCommand(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from([]);
  const code = await main(['node', 'kura', ...args], {
    env: { ...process.env, ...env },
    stdin,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}
