import type { Command } from 'commander';
import { KuraError, type RemovalPlan } from '../../core/index.js';
import { findUser } from '../lookup.js';
import { makeOut, table } from '../output.js';
import { confirm, newPassword } from '../prompt.js';
import { count, humanBytes } from '../units.js';
import { withCore } from './with-core.js';

/** What removing a user deletes, in one sentence for people. */
function removalText(p: RemovalPlan): string {
  const parts = [
    p.personal ? `its personal space with ${count(p.personal.files, 'file')} (${humanBytes(p.personal.bytes)}, trash included) for good` : 'no personal space',
    count(p.tokens, 'token'),
    p.memberships.length ? `its membership of ${p.memberships.map((m) => `"${m.name}"`).join(', ')}` : 'no other memberships',
  ];
  return `user ${p.user.username} (id ${p.user.id}): ${parts.join('; ')}`;
}

export function userCommands(program: Command): void {
  const user = program.command('user').description('manage users (named by username or id)');

  user
    .command('add <name>')
    .description('create a user and its personal space (prompts for the password on a terminal)')
    .option('--password <p>', 'the password (at least 8 characters)')
    .option('--password-hash <h>', 'an argon2id hash of the password instead, in its encoded form ($argon2id$v=19$m=…,t=…,p=…$…; at least m=19456,t=2,p=1)')
    .option('--admin', 'make the user a Kura admin')
    .option('--email <e>', 'e-mail address')
    .option('--real-name <r>', 'real name')
    .option('--phone <p>', 'phone number')
    .option('--init', 'create the database if there is none yet (the first user of a new install)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { password?: string; passwordHash?: string; admin?: boolean; email?: string; realName?: string; phone?: string; init?: boolean; json?: boolean }) => {
      if (o.password !== undefined && o.passwordHash !== undefined) throw new KuraError('bad_request', 'give --password or --password-hash, not both');
      const secret = o.passwordHash !== undefined ? { passwordHash: o.passwordHash } : { password: await newPassword(o.password) };
      await withCore(async (core) => {
        const u = await core.users.create({ username: name, ...secret, role: o.admin ? 'admin' : 'user', email: o.email, realName: o.realName, phone: o.phone });
        makeOut(!!o.json).print(u, () => `created user ${u.username} (id ${u.id}${u.role === 'admin' ? ', admin' : ''})`);
      }, { blobs: false, create: !!o.init });
    });

  user
    .command('list')
    .description('list users')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      await withCore(async (core) => {
        const users = await core.users.list();
        makeOut(!!o.json).print(users, () => table([['USERNAME', 'ROLE', 'ID', 'EMAIL', 'REAL NAME'], ...users.map((u) => [u.username, u.role, String(u.id), u.email, u.realName])]));
      }, { blobs: false });
    });

  user
    .command('passwd <user>')
    .description("change a user's password (prompts on a terminal)")
    .option('--password <p>', 'the new password')
    .option('--revoke-tokens', "also revoke every token of the user (signs it out everywhere)")
    .option('--json', 'machine-readable output')
    .action(async (raw: string, o: { password?: string; revokeTokens?: boolean; json?: boolean }) => {
      const password = await newPassword(o.password);
      await withCore(async (core) => {
        const u = await findUser(core, raw);
        await core.users.setPassword(u.id, password);
        const revoked = o.revokeTokens ? await core.tokens.revokeAll(u.id) : 0;
        makeOut(!!o.json).print({ id: u.id, username: u.username, passwordChanged: true, tokensRevoked: revoked }, () =>
          `password of ${u.username} changed${o.revokeTokens ? `; ${count(revoked, 'token')} revoked` : ''}`,
        );
      }, { blobs: false });
    });

  user
    .command('remove <user>')
    .description('remove a user with its tokens and personal space (asks first on a terminal)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, o: { yes?: boolean; json?: boolean }) => {
      await withCore(async (core) => {
        const u = await findUser(core, raw);
        const plan = await core.users.removalPlan(u.id);
        if (plan.owned.length > 0) {
          const names = plan.owned.map((s) => `"${s.name}" (${s.kind}, id ${s.id})`).join(', ');
          throw new KuraError('conflict', `${u.username} owns ${names}: give each another owner first (\`kura space transfer SPACE USER\`) or delete it (\`kura space delete SPACE\`)`);
        }
        const text = removalText(plan);
        if (!o.yes && !(await confirm(`Remove ${text}?`))) throw new KuraError('bad_request', 'cancelled: nothing was removed');
        await core.users.remove(u.id);
        makeOut(!!o.json).print({ id: u.id, username: u.username, removed: true, plan }, () => `removed ${text}`);
      }, { blobs: false });
    });
}
