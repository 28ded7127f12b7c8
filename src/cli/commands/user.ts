import type { Command } from 'commander';
import { makeOut, table } from '../output.js';
import { newPassword } from '../prompt.js';
import { withCore } from './with-core.js';

export function userCommands(program: Command): void {
  const user = program.command('user').description('manage users');

  user
    .command('add <name>')
    .description('create a user and its personal space (prompts for the password on a terminal)')
    .option('--password <p>', 'the password (at least 8 characters)')
    .option('--admin', 'make the user a Kura admin')
    .option('--email <e>', 'e-mail address')
    .option('--real-name <r>', 'real name')
    .option('--phone <p>', 'phone number')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { password?: string; admin?: boolean; email?: string; realName?: string; phone?: string; json?: boolean }) => {
      const password = await newPassword(o.password);
      await withCore(async (core) => {
        const u = await core.users.create({ username: name, password, role: o.admin ? 'admin' : 'user', email: o.email, realName: o.realName, phone: o.phone });
        makeOut(!!o.json).print(u, () => `created user ${u.username} (id ${u.id}${u.role === 'admin' ? ', admin' : ''})`);
      }, { blobs: false });
    });

  user
    .command('list')
    .description('list users')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      await withCore(async (core) => {
        const users = await core.users.list();
        makeOut(!!o.json).print(users, () => table([['ID', 'USERNAME', 'ROLE', 'EMAIL', 'REAL NAME'], ...users.map((u) => [String(u.id), u.username, u.role, u.email, u.realName])]));
      }, { blobs: false });
    });

  user
    .command('passwd <name>')
    .description("change a user's password (prompts on a terminal)")
    .option('--password <p>', 'the new password')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { password?: string; json?: boolean }) => {
      const password = await newPassword(o.password);
      await withCore(async (core) => {
        const u = await core.users.byName(name);
        await core.users.setPassword(u.id, password);
        makeOut(!!o.json).print({ id: u.id, username: u.username, passwordChanged: true }, () => `password of ${u.username} changed`);
      }, { blobs: false });
    });

  user
    .command('remove <name>')
    .description('remove a user with its tokens and personal space')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }) => {
      await withCore(async (core) => {
        const u = await core.users.byName(name);
        await core.users.remove(u.id);
        makeOut(!!o.json).print({ id: u.id, username: u.username, removed: true }, () => `removed user ${u.username}`);
      }, { blobs: false });
    });
}
