import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** Asks for a secret on the terminal without echoing it. */
export async function promptSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error('no --password given and standard input is not a terminal');
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  process.stderr.write(question);
  muted = true;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

export async function newPassword(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const a = await promptSecret('Password: ');
  const b = await promptSecret('Repeat password: ');
  if (a !== b) throw new Error('the passwords differ');
  return a;
}
