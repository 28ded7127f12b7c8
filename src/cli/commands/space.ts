import type { Command } from 'commander';
import { parseSize } from '../../config.js';
import { type Actor, type Core, KuraError, parseId, type Space } from '../../core/index.js';
import { makeOut } from '../output.js';
import { withCore } from './with-core.js';

const spaceId = (raw: string): number => {
  const id = parseId(raw);
  if (id === undefined) throw new KuraError('bad_request', `"${raw}" is not a space id`);
  return id;
};

/** The CLI acts with an admin's powers, in the name of the space owner. */
async function ownerActor(core: Core, spaceIdValue: number): Promise<Actor> {
  const space = await core.spaces.get(SYSTEM, spaceIdValue);
  return { userId: space.ownerId, role: 'admin' };
}

/** Kura's own admin powers, to look a space up before acting as its owner. */
const SYSTEM: Actor = { userId: 0, role: 'admin' };

const describe = (s: Space) =>
  `space ${s.id} (${s.kind}) "${s.name}" owner ${s.ownerId} root ${s.rootId}; usage ${s.usage.bytes} bytes / ${s.quota.bytes ?? 'unlimited'}, ${s.usage.files} files / ${s.quota.files ?? 'unlimited'}`;

function limit(raw: string | undefined, what: string): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'none' || raw === 'unlimited') return null;
  const n = what === 'bytes' ? parseSize(raw) : /^\d+$/.test(raw) ? Number(raw) : undefined;
  if (n === undefined) throw new KuraError('bad_request', `--${what} must be a ${what === 'bytes' ? 'size such as 10GiB' : 'whole number'} or "none"`);
  return n;
}

export function spaceCommands(program: Command): void {
  const space = program.command('space').description('manage spaces');

  space
    .command('create')
    .description('create a group, project or chat_room space')
    .requiredOption('--kind <kind>', 'group, project or chat_room')
    .requiredOption('--name <name>', 'the space name')
    .requiredOption('--owner <user>', 'username of the owner')
    .option('--json', 'machine-readable output')
    .action(async (o: { kind: string; name: string; owner: string; json?: boolean }) => {
      await withCore(async (core) => {
        const owner = await core.users.byName(o.owner);
        const s = await core.spaces.create({ userId: owner.id, role: 'admin' }, { kind: o.kind, name: o.name, ownerId: owner.id });
        makeOut(!!o.json).print(s, () => `created ${describe(s)}`);
      }, { blobs: false });
    });

  const members = space.command('members').description('manage the members of a space');
  members
    .command('add <space> <user>')
    .description('add a member (or change its role)')
    .option('--role <role>', 'admin, member or viewer', 'member')
    .option('--json', 'machine-readable output')
    .action(async (rawSpace: string, name: string, o: { role: string; json?: boolean }) => {
      await withCore(async (core) => {
        const id = spaceId(rawSpace);
        const u = await core.users.byName(name);
        const list = await core.spaces.setMember(await ownerActor(core, id), id, u.id, o.role);
        makeOut(!!o.json).print(list, () => `${u.username} is now ${o.role} of space ${id}`);
      }, { blobs: false });
    });
  members
    .command('remove <space> <user>')
    .description('remove a member')
    .option('--json', 'machine-readable output')
    .action(async (rawSpace: string, name: string, o: { json?: boolean }) => {
      await withCore(async (core) => {
        const id = spaceId(rawSpace);
        const u = await core.users.byName(name);
        await core.spaces.removeMember(await ownerActor(core, id), id, u.id);
        makeOut(!!o.json).print({ spaceId: id, userId: u.id, removed: true }, () => `${u.username} removed from space ${id}`);
      }, { blobs: false });
    });

  space
    .command('quota <space>')
    .description('set the quota of a space ("none" for unlimited)')
    .option('--bytes <size>', 'largest total size, e.g. 10GiB')
    .option('--files <n>', 'most files')
    .option('--json', 'machine-readable output')
    .action(async (rawSpace: string, o: { bytes?: string; files?: string; json?: boolean }) => {
      await withCore(async (core) => {
        const id = spaceId(rawSpace);
        const actor = await ownerActor(core, id);
        const current = await core.spaces.get(actor, id);
        const bytes = limit(o.bytes, 'bytes');
        const files = limit(o.files, 'files');
        const s = await core.spaces.setQuota(actor, id, { bytes: bytes === undefined ? current.quota.bytes : bytes, files: files === undefined ? current.quota.files : files });
        makeOut(!!o.json).print(s, () => describe(s));
      }, { blobs: false });
    });

  space
    .command('public-links <space> <state>')
    .description('switch reads by id without a token (public links) on or off for a space')
    .option('--json', 'machine-readable output')
    .action(async (rawSpace: string, state: string, o: { json?: boolean }) => {
      if (state !== 'on' && state !== 'off') throw new KuraError('bad_request', 'state must be on or off');
      await withCore(async (core) => {
        const id = spaceId(rawSpace);
        const s = await core.spaces.setPublicLinks(await ownerActor(core, id), id, state === 'on');
        makeOut(!!o.json).print(s, () => `public links of space ${id} are ${s.publicLinks ? 'on' : 'off'}`);
      }, { blobs: false });
    });
}
