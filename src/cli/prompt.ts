import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { io } from './io.js';

/** Asks for a secret on the terminal without echoing it. */
export async function promptSecret(question: string): Promise<string> {
  if (!io().stdin.isTTY) throw new Error('no --password given and standard input is not a terminal');
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) io().stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: io().stdin, output, terminal: true });
  io().stderr.write(question);
  muted = true;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  io().stderr.write('\n');
  return answer;
}

export async function newPassword(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const a = await promptSecret('Password: ');
  const b = await promptSecret('Repeat password: ');
  if (a !== b) throw new Error('the passwords differ');
  return a;
}

/**
 * Asks a yes/no question on the terminal (default no). Without a terminal there is no one
 * to ask: the command is refused unless it was given --yes.
 */
export async function confirm(question: string): Promise<boolean> {
  if (!io().stdin.isTTY) throw new Error('standard input is not a terminal: pass --yes to confirm');
  const rl = createInterface({ input: io().stdin, output: io().stderr as NodeJS.WritableStream, terminal: true });
  const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
