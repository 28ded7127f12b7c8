import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { isKuraError } from '../core/index.js';
import { fsckCommand } from './commands/fsck.js';
import { gcCommand } from './commands/gc.js';
import { lockCommands } from './commands/lock.js';
import { spaceCommands } from './commands/space.js';
import { tokenCommands } from './commands/token.js';
import { userCommands } from './commands/user.js';
import { processIo, withIo, type CliIo } from './io.js';

/** Kura's version, from its package.json. */
export function kuraVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * `kura …`. Returns the exit code. Errors are one line on stderr (JSON with `--json`).
 * `cliIo` is where the command reads its environment and writes (the process's own by
 * default); `serve` reads its configuration from it and logs to the process's stdout.
 */
export async function main(argv: string[], cliIo: CliIo = processIo()): Promise<number> {
  try {
    const { value, exitCode } = await withIo(cliIo, () => run(argv, cliIo));
    return exitCode ?? value;
  } catch (e) {
    const msg = e instanceof ConfigError || isKuraError(e) || e instanceof Error ? e.message : String(e);
    if (argv.includes('--json')) {
      const code = isKuraError(e) ? e.code : e instanceof ConfigError ? 'bad_config' : 'error';
      cliIo.stderr.write(`${JSON.stringify({ error: { code, message: msg } })}\n`);
    } else {
      cliIo.stderr.write(`kura: ${msg}\n`);
    }
    return 1;
  }
}

async function run(argv: string[], cliIo: CliIo): Promise<number> {
  const program = new Command('kura')
    .description('Kura file storage service')
    .version(kuraVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => cliIo.stdout.write(s), writeErr: (s) => cliIo.stderr.write(s) })
    .showHelpAfterError(false);

  program
    .command('serve')
    .description('serve the HTTP APIs (configuration from the environment, see README)')
    .action(async () => {
      // Loaded only here: the HTTP app and its dialects are not needed by admin commands.
      const { serve } = await import('../server.js');
      await serve(loadConfig(cliIo.env));
      await new Promise<never>(() => undefined);
    });
  userCommands(program);
  tokenCommands(program);
  spaceCommands(program);
  lockCommands(program);
  fsckCommand(program);
  gcCommand(program);

  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
}
