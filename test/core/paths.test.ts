import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorType, Right } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest, type CoreUser } from '../helpers/core.js';

/** Paths in a space, both ways, on the core itself: names, depth, rights, the trash. */
describe.each(backends)('paths on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend);
  });
  afterAll(() => k.close());

  const mkdir = async (who: CoreUser, parent: number, name: string) => (await k.core.changes.createFolder(who.actor, parent, name)).id;

  it('resolves /a/b/c to the item and the item back to its path and levels', async () => {
    const u = await k.user();
    const a = await mkdir(u, u.rootId, 'a');
    const b = await mkdir(u, a, 'b');
    const c = await k.file(u, 'c.txt', 'see', b);
    expect((await k.core.paths.resolve(u.actor, u.spaceId, '/a/b/c.txt')).id).toBe(c.id);
    expect((await k.core.paths.resolve(u.actor, u.spaceId, '/a/b')).id).toBe(b);
    // The leading slash is optional; empty segments (a trailing slash, doubled slashes) are skipped.
    expect((await k.core.paths.resolve(u.actor, u.spaceId, 'a//b/')).id).toBe(b);
    expect((await k.core.paths.resolve(u.actor, u.spaceId, '/')).id).toBe(u.rootId);
    expect(await k.core.paths.of(u.actor, c.id)).toEqual({
      spaceId: u.spaceId,
      path: '/a/b/c.txt',
      levels: [
        { id: u.rootId, name: u.username },
        { id: a, name: 'a' },
        { id: b, name: 'b' },
        { id: c.id, name: 'c.txt' },
      ],
    });
    expect(await k.core.paths.of(u.actor, u.rootId)).toMatchObject({ path: '/', levels: [{ id: u.rootId }] });
  });

  it('answers not_found for a missing level, a file taken as a folder, and another space', async () => {
    const u = await k.user();
    const a = await mkdir(u, u.rootId, 'a');
    await k.file(u, 'f.txt', 'x', a);
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/a/nope')).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/nope/a')).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/a/f.txt/more')).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.paths.resolve(u.actor, 1, '/a')).rejects.toMatchObject({ code: 'not_found' });
    // Names are case-sensitive, as they are stored.
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/A')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses malformed paths with a clear error naming the segment, never following . or ..', async () => {
    const u = await k.user();
    await mkdir(u, u.rootId, 'a');
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/a/../a')).rejects.toMatchObject({ code: 'bad_request', details: { field: 'path segment 2' } });
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/./a')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/a/b\u0000')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.paths.resolve(u.actor, u.spaceId, `/${'x'.repeat(256)}`)).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/x'.repeat(1001))).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.paths.resolve(u.actor, u.spaceId, 42)).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('finds an NFC name from its NFD spelling (what macOS sends), and gives the stored spelling back', async () => {
    const u = await k.user();
    const nfd = 'Cafe\u0301';
    const folder = await k.core.changes.createFolder(u.actor, u.rootId, nfd);
    expect(folder.name).toBe('Caf\u00e9'); // stored NFC
    const f = await k.file(u, 'Re\u0301sume\u0301.txt', 'cv', folder.id);
    expect((await k.core.paths.resolve(u.actor, u.spaceId, `/${nfd}/Re\u0301sume\u0301.txt`)).id).toBe(f.id);
    expect((await k.core.paths.resolve(u.actor, u.spaceId, '/Caf\u00e9/R\u00e9sum\u00e9.txt')).id).toBe(f.id);
    expect((await k.core.paths.of(u.actor, f.id)).path).toBe('/Caf\u00e9/R\u00e9sum\u00e9.txt');
  });

  it('takes names with spaces, #, %, ? and emoji literally', async () => {
    const u = await k.user();
    const names = ['my folder', '#1 %20 ?x=y&z', '\u{1F4C1} photos \u{1F600}', 'a+b;c,d'];
    let parent = u.rootId;
    for (const n of names) parent = await mkdir(u, parent, n);
    const f = await k.file(u, '100% done #final.txt', 'ok', parent);
    const path = `/${[...names, '100% done #final.txt'].join('/')}`;
    expect((await k.core.paths.resolve(u.actor, u.spaceId, path)).id).toBe(f.id);
    expect((await k.core.paths.of(u.actor, f.id)).path).toBe(path);
    // The escaped form is another name, not this one.
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/my%20folder')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('walks 50 levels in one go, both ways', async () => {
    const u = await k.user();
    const tree: { Name: string; Children: unknown[] } = { Name: 'level 1', Children: [] };
    let node = tree;
    for (let i = 2; i <= 30; i++) {
      const next = { Name: `level ${i}`, Children: [] as unknown[] };
      node.Children.push(next);
      node = next;
    }
    const made = await k.core.changes.createTree(u.actor, u.rootId, tree);
    let deepest = made;
    while (deepest.children.length) deepest = deepest.children[0];
    let parent = deepest.id;
    for (let i = 31; i <= 50; i++) parent = await mkdir(u, parent, `level ${i}`);
    const path = `/${Array.from({ length: 50 }, (_, i) => `level ${i + 1}`).join('/')}`;
    expect((await k.core.paths.resolve(u.actor, u.spaceId, path)).id).toBe(parent);
    const back = await k.core.paths.of(u.actor, parent);
    expect(back.path).toBe(path);
    expect(back.levels).toHaveLength(51);
  });

  it('puts trashed items on no path, and a restored one back on its path', async () => {
    const u = await k.user();
    const a = await mkdir(u, u.rootId, 'a');
    const f = await k.file(u, 'f.txt', 'x', a);
    await k.core.changes.trash(u.actor, a);
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/a')).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.paths.resolve(u.actor, u.spaceId, '/a/f.txt')).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.paths.of(u.actor, f.id)).rejects.toMatchObject({ code: 'not_found' });
    // A live item of the same name is the one the path names.
    const again = await mkdir(u, u.rootId, 'a');
    expect((await k.core.paths.resolve(u.actor, u.spaceId, '/a')).id).toBe(again);
    await k.core.changes.trash(u.actor, again);
    await k.core.trash.restore(u.actor, a);
    expect((await k.core.paths.resolve(u.actor, u.spaceId, '/a/f.txt')).id).toBe(f.id);
  });

  it('follows a path only through folders the caller may see and list, as ids do', async () => {
    const owner = await k.user();
    const group = await k.core.spaces.create(owner.actor, { kind: 'group', name: 'team' });
    const viewer = await k.user();
    const stranger = await k.user();
    await k.core.spaces.setMember(owner.actor, group.id, viewer.id, 'viewer');
    const pub = (await k.core.changes.createFolder(owner.actor, group.rootId, 'public')).id;
    const secret = (await k.core.changes.createFolder(owner.actor, pub, 'secret')).id;
    const inside = await k.file(owner, 'plan.txt', 'p', secret);
    const noList = (await k.core.changes.createFolder(owner.actor, pub, 'closed')).id;
    const below = await k.file(owner, 'x.txt', 'x', noList);
    // `secret` is hidden from the viewer; `closed` is visible but not listable.
    await k.core.acl.add(owner.actor, secret, { actorType: ActorType.USER, actorId: viewer.id, mask: 0 });
    await k.core.acl.add(owner.actor, noList, { actorType: ActorType.USER, actorId: viewer.id, mask: Right.READ_ATTRS | Right.READ_CONTENT });
    // Granted the file below the hidden folder: seen by id, yet on no path the viewer may follow.
    await k.core.acl.add(owner.actor, inside.id, { actorType: ActorType.USER, actorId: viewer.id, mask: Right.READ_ATTRS | Right.READ_CONTENT });

    expect((await k.core.paths.resolve(owner.actor, group.id, '/public/secret/plan.txt')).id).toBe(inside.id);
    expect((await k.core.paths.resolve(viewer.actor, group.id, '/public')).id).toBe(pub);
    expect((await k.core.paths.resolve(viewer.actor, group.id, '/public/closed')).id).toBe(noList);
    await expect(k.core.paths.resolve(viewer.actor, group.id, '/public/secret')).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.paths.resolve(viewer.actor, group.id, '/public/secret/plan.txt')).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.paths.resolve(viewer.actor, group.id, '/public/closed/x.txt')).rejects.toMatchObject({ code: 'not_found' });
    // The same answer as for a path that does not exist at all: nothing is revealed.
    await expect(k.core.paths.resolve(viewer.actor, group.id, '/public/secret/nothing')).rejects.toMatchObject({ code: 'not_found', message: 'no such path' });
    expect((await k.core.items.get(viewer.actor, inside.id)).id).toBe(inside.id);
    await expect(k.core.paths.of(viewer.actor, inside.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.paths.of(viewer.actor, below.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await k.core.paths.of(owner.actor, inside.id)).path).toBe('/public/secret/plan.txt');
    // Not a member: the space has no path for it, the root included.
    await expect(k.core.paths.resolve(stranger.actor, group.id, '/')).rejects.toMatchObject({ code: 'not_found', message: 'no such path' });
    await expect(k.core.paths.resolve(stranger.actor, group.id, '/public')).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.paths.of(stranger.actor, pub)).rejects.toMatchObject({ code: 'not_found' });
    // A Kura admin sees everything.
    expect((await k.core.paths.resolve(k.admin.actor, group.id, '/public/closed/x.txt')).id).toBe(below.id);
  });

  it('a deny on the root hides the whole space by path', async () => {
    const owner = await k.user();
    const group = await k.core.spaces.create(owner.actor, { kind: 'group', name: 'closed team' });
    const member = await k.user();
    await k.core.spaces.setMember(owner.actor, group.id, member.id, 'member');
    const f = await k.file(owner, 'f.txt', 'x', group.rootId);
    expect((await k.core.paths.resolve(member.actor, group.id, '/f.txt')).id).toBe(f.id);
    await k.core.acl.add(owner.actor, group.rootId, { actorType: ActorType.ROLE, actorId: 2, mask: Right.READ_ATTRS });
    await expect(k.core.paths.resolve(member.actor, group.id, '/f.txt')).rejects.toMatchObject({ code: 'not_found' });
    expect((await k.core.paths.resolve(member.actor, group.id, '/')).id).toBe(group.rootId);
  });
});
