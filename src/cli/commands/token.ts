import type { Command } from 'commander';
import { KuraError, parseDuration, parseId } from '../../core/index.js';
import { makeOut, table } from '../output.js';
import { findUser } from '../lookup.js';
import { withCore } from './with-core.js';

const when = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());

export function tokenCommands(program: Command): void {
  const token = program.command('token').description('manage API tokens');

  token
    .command('create <user>')
    .description('create a token for a user (username or id); prints only the token')
    .option('--label <l>', 'what the token is for')
    .option('--expires <duration>', 'lifetime such as 30d, 12h, 90m (default: never)')
    .option('--read-only', 'a token that may only read: every write made with it is refused, in every API')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { label?: string; expires?: string; readOnly?: boolean; json?: boolean }) => {
      const expiresInMs = o.expires ? parseDuration(o.expires) : null;
      await withCore(async (core) => {
        const u = await findUser(core, name);
        const created = await core.tokens.create(u.id, { label: o.label ?? '', expiresInMs, readOnly: !!o.readOnly });
        makeOut(!!o.json).print({ token: created.token, ...created.info }, () => created.token);
      }, { blobs: false });
    });

  token
    .command('list <user>')
    .description("list a user's tokens")
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }) => {
      await withCore(async (core) => {
        const u = await findUser(core, name);
        const tokens = await core.tokens.list(u.id);
        makeOut(!!o.json).print(tokens, () =>
          table([['ID', 'LABEL', 'CREATED', 'LAST USED', 'EXPIRES', 'ACCESS'], ...tokens.map((t) => [String(t.id), t.label, when(t.createdAt), when(t.lastUsedAt), when(t.expiresAt), t.readOnly ? 'read-only' : 'read-write'])]),
        );
      }, { blobs: false });
    });

  token
    .command('revoke <id>')
    .description('revoke a token by id')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, o: { json?: boolean }) => {
      const id = parseId(raw);
      if (id === undefined) throw new KuraError('bad_request', `"${raw}" is not a token id`);
      await withCore(async (core) => {
        await core.tokens.revoke(null, id);
        makeOut(!!o.json).print({ id, revoked: true }, () => `revoked token ${id}`);
      }, { blobs: false });
    });
}
