import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorType, compileFilter, CORE_FIELD_SPECS, Right, type FolderListing } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest } from '../helpers/core.js';

const shape = (l: FolderListing) => ({ folders: l.folders.map((f) => [f.name, f.fileCount]), files: l.files.map((f) => f.name) });

/** `items.listing`: a folder's folders with their file counts and its files, in one query, by the caller's rights. */
describe.each(backends)('folder listings with file counts on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend);
  });
  afterAll(() => k.close());

  it('answers folders with the live files directly in them, then files, each by name, capped per kind', async () => {
    const u = await k.user();
    const b = await k.core.changes.createFolder(u.actor, u.rootId, 'b-folder');
    const a = await k.core.changes.createFolder(u.actor, u.rootId, 'A-folder');
    await k.core.changes.createFolder(u.actor, a.id, 'nested');
    for (const n of ['1', '2', '3']) await k.file(u, `${n}.txt`, n, a.id);
    const gone = await k.file(u, 'trashed.txt', 't', a.id);
    await k.core.changes.trash(u.actor, gone.id);
    await k.file(u, 'only.txt', 'o', b.id);
    for (const n of ['z.txt', 'C.txt', 'b.txt']) await k.file(u, n, n);
    expect(shape(await k.core.items.listing(u.actor, u.rootId))).toEqual({ folders: [['A-folder', 3], ['b-folder', 1]], files: ['b.txt', 'C.txt', 'z.txt'] });
    expect(shape(await k.core.items.listing(u.actor, u.rootId, { folders: 1, files: 2 }))).toEqual({ folders: [['A-folder', 3]], files: ['b.txt', 'C.txt'] });
    expect(shape(await k.core.items.listing(u.actor, u.rootId, { files: 0 }))).toEqual({ folders: [['A-folder', 3], ['b-folder', 1]], files: [] });
    const listed = (await k.core.items.listing(u.actor, a.id)).folders[0];
    expect(listed).toMatchObject({ name: 'nested', kind: 'folder', parentId: a.id, fileCount: 0 });
    for (const bad of [-1, 10_001, 1.5]) await expect(k.core.items.listing(u.actor, u.rootId, { files: bad })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.items.listing(u.actor, (await k.file(u, 'not-a-folder.txt', 'x')).id)).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('leaves out expired files, in the listing and in the counts, once the clock passes their expiry', async () => {
    const u = await k.user();
    const f = await k.core.changes.createFolder(u.actor, u.rootId, 'f');
    const expiring = (name: string, folderId: number) => k.core.uploads.upload(u.actor, folderId, { name, stream: Readable.from([Buffer.from(name)]) }, { expiresAt: k.clock.now() + 60_000 });
    await expiring('soon-here.txt', u.rootId);
    await expiring('soon-there.txt', f.id);
    await k.file(u, 'stays.txt', 's', f.id);
    expect(shape(await k.core.items.listing(u.actor, u.rootId))).toEqual({ folders: [['f', 2]], files: ['soon-here.txt'] });
    // Pages and their totals, plain and filtered: a child that expires later is shown.
    const names = async (folderId: number, o = {}) => {
      const page = await k.core.items.children(u.actor, folderId, o);
      return [page.total, page.items.map((i) => i.name)];
    };
    const texts = { filter: compileFilter('maintype==text', CORE_FIELD_SPECS), kind: 'file' as const };
    expect(await names(f.id)).toEqual([2, ['soon-there.txt', 'stays.txt']]);
    expect(await names(f.id, texts)).toEqual([2, ['soon-there.txt', 'stays.txt']]);
    k.clock.advance(60_001);
    expect(shape(await k.core.items.listing(u.actor, u.rootId))).toEqual({ folders: [['f', 1]], files: [] });
    expect(await names(f.id)).toEqual([1, ['stays.txt']]);
    expect(await names(f.id, texts)).toEqual([1, ['stays.txt']]);
    expect(await names(u.rootId)).toEqual([1, ['f']]);
  });

  it('shows and counts only what the caller may see: hidden folders and files, unlistable folders', async () => {
    const owner = await k.user();
    const member = await k.user();
    const stranger = await k.user();
    const group = await k.core.spaces.create(owner.actor, { kind: 'group', name: 'Listing' });
    await k.core.spaces.setMember(owner.actor, group.id, member.id, 'member');
    const open = await k.core.changes.createFolder(owner.actor, group.rootId, 'open');
    const closed = await k.core.changes.createFolder(owner.actor, group.rootId, 'closed');
    const secret = await k.core.changes.createFolder(owner.actor, group.rootId, 'secret');
    for (const n of ['a', 'b', 'c']) await k.file(owner, n, n, open.id);
    const hidden = await k.file(owner, 'hidden', 'h', open.id);
    await k.file(owner, 'x', 'x', closed.id);
    await k.file(owner, 'y', 'y', secret.id);
    const deny = (itemId: number, mask: number) => ({ op: 'add' as const, itemId, actorType: ActorType.USER, actorId: member.id, mask });
    await k.core.acl.apply(owner.actor, [deny(hidden.id, 0), deny(closed.id, Right.READ_ATTRS), deny(secret.id, 0)]);
    expect(shape(await k.core.items.listing(owner.actor, group.rootId))).toEqual({ folders: [['closed', 1], ['open', 4], ['secret', 1]], files: [] });
    expect(shape(await k.core.items.listing(member.actor, group.rootId))).toEqual({ folders: [['closed', 0], ['open', 3]], files: [] });
    // The counts agree with what listing each folder shows.
    expect((await k.core.items.listing(member.actor, open.id)).files.map((f) => f.name)).toEqual(['a', 'b', 'c']);
    await expect(k.core.items.listing(member.actor, closed.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(k.core.items.listing(stranger.actor, group.rootId)).rejects.toMatchObject({ code: 'not_found' });
  });
});
