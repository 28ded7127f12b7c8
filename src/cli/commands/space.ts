import type { Command } from 'commander';
import { parseSize } from '../../config.js';
import { type Core, KuraError, type Space } from '../../core/index.js';
import { findSpace, findUser, ownerActor, SYSTEM } from '../lookup.js';
import { makeOut, table } from '../output.js';
import { confirm } from '../prompt.js';
import { count, humanBytes, usageOf } from '../units.js';
import { withCore } from './with-core.js';

/** Owner names of spaces, for people. */
async function ownerNames(core: Core, spaces: Space[]): Promise<Map<number, string>> {
  const users = await core.users.many(spaces.map((s) => s.ownerId));
  return new Map([...users].map(([id, u]) => [id, u.username]));
}

const describe = (s: Space, owner: string) =>
  `space "${s.name}" (${s.kind}, id ${s.id}) owned by ${owner}: ${usageOf(s.usage.bytes, s.quota.bytes)}, ${usageOf(s.usage.files, s.quota.files, (n) => count(n, 'file'))}`;

async function described(core: Core, s: Space): Promise<string> {
  return describe(s, (await ownerNames(core, [s])).get(s.ownerId) ?? `user ${s.ownerId}`);
}

function limit(raw: string | undefined, what: string): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'none' || raw === 'unlimited') return null;
  const n = what === 'bytes' ? parseSize(raw) : /^\d+$/.test(raw) ? Number(raw) : undefined;
  if (n === undefined) throw new KuraError('bad_request', `--${what} must be a ${what === 'bytes' ? 'size such as 10GiB (binary units: 10GB = 10GiB)' : 'whole number'} or "none"`);
  return n;
}

export function spaceCommands(program: Command): void {
  const space = program.command('space').description('manage spaces (named by name or id)');

  space
    .command('list')
    .description('list every space with its owner, usage and quota')
    .option('--kind <kind>', 'only spaces of this kind (personal, group, project, chat_room)')
    .option('--json', 'machine-readable output')
    .action(async (o: { kind?: string; json?: boolean }) => {
      await withCore(async (core) => {
        const spaces = (await core.spaces.all(SYSTEM)).filter((s) => !o.kind || s.kind === o.kind);
        const owners = await ownerNames(core, spaces);
        makeOut(!!o.json).print(
          spaces.map((s) => ({ ...s, owner: owners.get(s.ownerId) ?? null })),
          () =>
            table([
              ['ID', 'NAME', 'KIND', 'OWNER', 'USED', 'FILES', 'PUBLIC LINKS'],
              ...spaces.map((s) => [String(s.id), s.name, s.kind, owners.get(s.ownerId) ?? String(s.ownerId), usageOf(s.usage.bytes, s.quota.bytes), usageOf(s.usage.files, s.quota.files, String), s.publicLinks ? 'on' : 'off']),
            ]),
        );
      }, { blobs: false });
    });

  space
    .command('create')
    .description('create a group, project or chat_room space')
    .requiredOption('--kind <kind>', 'group, project or chat_room')
    .requiredOption('--name <name>', 'the space name')
    .requiredOption('--owner <user>', 'the owner (username or id)')
    .option('--json', 'machine-readable output')
    .action(async (o: { kind: string; name: string; owner: string; json?: boolean }) => {
      await withCore(async (core) => {
        const owner = await findUser(core, o.owner);
        const s = await core.spaces.create({ userId: owner.id, role: 'admin' }, { kind: o.kind, name: o.name, ownerId: owner.id });
        makeOut(!!o.json).print(s, () => `created ${describe(s, owner.username)}`);
      }, { blobs: false });
    });

  space
    .command('show <space>')
    .description('show a space')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, o: { json?: boolean }) => {
      await withCore(async (core) => {
        const s = await findSpace(core, raw);
        const text = await described(core, s);
        makeOut(!!o.json).print(s, () => text);
      }, { blobs: false });
    });

  space
    .command('delete <space>')
    .description("delete a group, project or chat_room space: its content goes to the owner's personal trash as a folder named after it, or is deleted for good with --purge")
    .option('--purge', 'delete the content for good instead of keeping it in the trash')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, o: { purge?: boolean; yes?: boolean; json?: boolean }) => {
      await withCore(async (core) => {
        const s = await findSpace(core, raw);
        const owner = (await ownerNames(core, [s])).get(s.ownerId) ?? `user ${s.ownerId}`;
        const what = `space "${s.name}" (${s.kind}, id ${s.id}) with ${count(s.usage.files, 'file')} (${humanBytes(s.usage.bytes)}): ${o.purge ? 'its content is deleted for good' : `its content goes to the trash of ${owner}'s personal space as a folder "${s.name}"`}`;
        if (!o.yes && !(await confirm(`Delete ${what}?`))) throw new KuraError('bad_request', 'cancelled: nothing was deleted');
        const r = await core.spaces.delete(SYSTEM, s.id, { purge: o.purge });
        makeOut(!!o.json).print({ id: s.id, name: s.name, deleted: true, ...r }, () => `deleted ${what}`);
      }, { blobs: false });
    });

  space
    .command('transfer <space> <user>')
    .description('give a group, project or chat_room space another owner (the previous owner stays as admin)')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, rawUser: string, o: { json?: boolean }) => {
      await withCore(async (core) => {
        const s = await findSpace(core, raw);
        const u = await findUser(core, rawUser);
        const before = (await ownerNames(core, [s])).get(s.ownerId) ?? `user ${s.ownerId}`;
        const after = await core.spaces.transfer(SYSTEM, s.id, u.id);
        makeOut(!!o.json).print(after, () => `space "${s.name}" now belongs to ${u.username} (${before} stays as admin)`);
      }, { blobs: false });
    });

  const members = space.command('members').description('manage the members of a space');
  members
    .command('list <space>')
    .description('list the members of a space with their roles')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, o: { json?: boolean }) => {
      await withCore(async (core) => {
        const s = await findSpace(core, raw);
        const list = await core.spaces.members(SYSTEM, s.id);
        makeOut(!!o.json).print(list, () =>
          table([['USERNAME', 'ROLE', 'REAL NAME', 'SINCE'], ...list.map((m) => [m.username, m.role, m.realName, new Date(m.since).toISOString().slice(0, 10)])]),
        );
      }, { blobs: false });
    });
  members
    .command('add <space> <user>')
    .description('add a member (or change its role)')
    .option('--role <role>', 'admin, member or viewer', 'member')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, rawUser: string, o: { role: string; json?: boolean }) => {
      await withCore(async (core) => {
        const s = await findSpace(core, raw);
        const u = await findUser(core, rawUser);
        const list = await core.spaces.setMember(ownerActor(s), s.id, u.id, o.role);
        makeOut(!!o.json).print(list, () => `${u.username} is now ${o.role} of space "${s.name}"`);
      }, { blobs: false });
    });
  members
    .command('remove <space> <user>')
    .description('remove a member')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, rawUser: string, o: { json?: boolean }) => {
      await withCore(async (core) => {
        const s = await findSpace(core, raw);
        const u = await findUser(core, rawUser);
        await core.spaces.removeMember(ownerActor(s), s.id, u.id);
        makeOut(!!o.json).print({ spaceId: s.id, userId: u.id, removed: true }, () => `${u.username} removed from space "${s.name}"`);
      }, { blobs: false });
    });

  space
    .command('quota <space>')
    .description('set the quota of a space ("none" for unlimited)')
    .option('--bytes <size>', 'largest total size, e.g. 10GiB (units are binary: 10GB = 10GiB = 10 × 1024³ bytes)')
    .option('--files <n>', 'most files')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, o: { bytes?: string; files?: string; json?: boolean }) => {
      await withCore(async (core) => {
        const current = await findSpace(core, raw);
        const bytes = limit(o.bytes, 'bytes');
        const files = limit(o.files, 'files');
        const s = await core.spaces.setQuota(SYSTEM, current.id, { bytes: bytes === undefined ? current.quota.bytes : bytes, files: files === undefined ? current.quota.files : files });
        const text = await described(core, s);
        makeOut(!!o.json).print(s, () => text);
      }, { blobs: false });
    });

  space
    .command('public-links <space> <state>')
    .description('switch reads by id without a token (public links) on or off for a space')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, state: string, o: { json?: boolean }) => {
      if (state !== 'on' && state !== 'off') throw new KuraError('bad_request', 'state must be on or off');
      await withCore(async (core) => {
        const found = await findSpace(core, raw);
        const s = await core.spaces.setPublicLinks(ownerActor(found), found.id, state === 'on');
        makeOut(!!o.json).print(s, () => `public links of space "${s.name}" are ${s.publicLinks ? 'on' : 'off'}`);
      }, { blobs: false });
    });
}
