import type { Command } from 'commander';
import { KuraError, parseId } from '../../core/index.js';
import { makeOut, table } from '../output.js';
import { count } from '../units.js';
import { withCore } from './with-core.js';

const itemId = (raw: string): number => {
  const id = parseId(raw);
  if (id === undefined) throw new KuraError('bad_request', `"${raw}" is not an item id`);
  return id;
};

export function lockCommands(program: Command): void {
  const lock = program.command('lock').description('locks on items (taken through the APIs: native, later WebDAV)');

  lock
    .command('list <item>')
    .description('the live locks that apply to an item (its own and those of folders above it with depth infinity)')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, o: { json?: boolean }) => {
      const id = itemId(raw);
      await withCore(async (core) => {
        const locks = await core.locks.list(null, id);
        makeOut(!!o.json).print(locks, () =>
          locks.length === 0
            ? 'no lock applies to this item'
            : table([['ITEM', 'OWNER', 'SCOPE', 'DEPTH', 'EXPIRES', 'TOKEN'], ...locks.map((l) => [String(l.itemId), String(l.ownerId), l.scope, String(l.depth), new Date(l.expiresAt).toISOString(), l.token])]),
        );
      }, { blobs: false });
    });

  lock
    .command('break <item>')
    .description('break every lock taken on an item (or only --token), whoever holds it')
    .option('--token <token>', 'only this lock (it may be a lock of a folder above the item)')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, o: { token?: string; json?: boolean }) => {
      const id = itemId(raw);
      await withCore(async (core) => {
        const n = await core.locks.release(null, id, o.token);
        makeOut(!!o.json).print({ item: id, broken: n }, () => `broke ${count(n, 'lock')} on item ${id}`);
      }, { blobs: false });
    });
}
