import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Right, type Actor } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest, type CoreUser } from '../helpers/core.js';

const READ = Right.READ_ATTRS | Right.LIST | Right.READ_CONTENT;

/** `changes.ensureFolders`: a chain of folders found or made in one transaction, with an optional grant. */
describe.each(backends)('ensuring a folder path on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend);
  });
  afterAll(() => k.close());

  const names = async (actor: Actor, folderId: number) => (await k.core.items.children(actor, folderId)).items.map((i) => `${i.kind}:${i.name}`);
  const entries = async (u: CoreUser, itemId: number) => (await k.core.acl.list(u.actor, itemId)).map((e) => [e.actorType, e.actorId, e.mask]);

  it('makes the missing folders of a path, finds them again, and answers the last one', async () => {
    const u = await k.user();
    const made = await k.core.changes.ensureFolders(u.actor, u.rootId, ['a', 'b', 'c'], { system: true });
    expect(made).toMatchObject({ name: 'c', kind: 'folder', system: true, spaceId: u.spaceId });
    const again = await k.core.changes.ensureFolders(u.actor, u.rootId, ['a', 'b', 'c']);
    expect(again.id).toBe(made.id);
    const a = (await k.core.items.childByName(u.actor, u.rootId, 'a')).id;
    // An existing prefix is reused; only the rest is made.
    const sibling = await k.core.changes.ensureFolders(u.actor, u.rootId, ['a', 'x']);
    expect(sibling.parentId).toBe(a);
    expect(await names(u.actor, a)).toEqual(['folder:b', 'folder:x']);
    expect(await names(u.actor, u.rootId)).toEqual(['folder:a']);
  });

  it('records nothing when any step fails: a file in the way, a bad name, an unknown grantee', async () => {
    const u = await k.user();
    await k.core.changes.ensureFolders(u.actor, u.rootId, ['top']);
    const top = (await k.core.items.childByName(u.actor, u.rootId, 'top')).id;
    await k.file(u, 'file', 'x', top);
    await expect(k.core.changes.ensureFolders(u.actor, u.rootId, ['new', 'deeper'])).resolves.toBeDefined();
    await expect(k.core.changes.ensureFolders(u.actor, u.rootId, ['top', 'file', 'below'])).rejects.toMatchObject({ code: 'name_conflict' });
    await expect(k.core.changes.ensureFolders(u.actor, u.rootId, ['fresh', 'file/slash'])).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.changes.ensureFolders(u.actor, u.rootId, [])).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.changes.ensureFolders(u.actor, u.rootId, Array.from({ length: 33 }, (_, i) => `d${i}`))).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.changes.ensureFolders(u.actor, u.rootId, ['fresh', 'shared'], { grant: { userId: 987_654_321, mask: READ } })).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.changes.ensureFolders(u.actor, u.rootId, ['fresh', 'shared'], { grant: { userId: k.admin.id, mask: 1 << 20 } })).rejects.toMatchObject({ code: 'bad_request' });
    // Neither `fresh` nor anything below it was kept.
    expect(await names(u.actor, u.rootId)).toEqual(['folder:new', 'folder:top']);
    expect(await names(u.actor, top)).toEqual(['file:file']);
  });

  it('two racing calls make one folder (the unique index judges), and one grant', async () => {
    const u = await k.user();
    const other = await k.user();
    const grant = { userId: other.id, mask: READ };
    const all = await Promise.all(Array.from({ length: 8 }, () => k.core.changes.ensureFolders(u.actor, u.rootId, ['race', 'inner'], { system: true, grant })));
    expect(new Set(all.map((f) => f.id)).size).toBe(1);
    expect(await names(u.actor, u.rootId)).toEqual(['folder:race']);
    expect(await names(u.actor, (await k.core.items.childByName(u.actor, u.rootId, 'race')).id)).toEqual(['folder:inner']);
    expect(await entries(u, all[0].id)).toEqual([[0, other.id, READ]]);
  });

  it('adds the grant once and never changes an entry the owner set since', async () => {
    const u = await k.user();
    const other = await k.user();
    const grant = { userId: other.id, mask: READ };
    const folder = await k.core.changes.ensureFolders(u.actor, u.rootId, ['for-other'], { grant });
    // The grantee may now read the folder (and only that).
    expect((await k.core.items.get(other.actor, folder.id)).name).toBe('for-other');
    const [entry] = await k.core.acl.list(u.actor, folder.id);
    await k.core.acl.modify(u.actor, entry.id, 0);
    await k.core.changes.ensureFolders(u.actor, u.rootId, ['for-other'], { grant });
    expect(await entries(u, folder.id)).toEqual([[0, other.id, 0]]);
    await expect(k.core.items.get(other.actor, folder.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('rights: a viewer finds folders but makes none; a member may not grant; a stranger sees nothing', async () => {
    const owner = await k.user();
    const member = await k.user();
    const viewer = await k.user();
    const stranger = await k.user();
    const group = await k.core.spaces.create(owner.actor, { kind: 'group', name: 'Paths' });
    await k.core.spaces.setMember(owner.actor, group.id, member.id, 'member');
    await k.core.spaces.setMember(owner.actor, group.id, viewer.id, 'viewer');
    const docs = await k.core.changes.ensureFolders(member.actor, group.rootId, ['docs']);
    expect((await k.core.changes.ensureFolders(viewer.actor, group.rootId, ['docs'])).id).toBe(docs.id);
    await expect(k.core.changes.ensureFolders(viewer.actor, group.rootId, ['docs', 'new'])).rejects.toMatchObject({ code: 'forbidden' });
    await expect(k.core.changes.ensureFolders(member.actor, group.rootId, ['shared'], { grant: { userId: stranger.id, mask: READ } })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(k.core.changes.ensureFolders(stranger.actor, group.rootId, ['docs'])).rejects.toMatchObject({ code: 'not_found' });
    expect(await names(owner.actor, group.rootId)).toEqual(['folder:docs']);
    expect(await names(owner.actor, docs.id)).toEqual([]);
  });
});
