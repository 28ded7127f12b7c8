import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorType, Right, type Item } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest, type CoreUser } from '../helpers/core.js';

/**
 * The `replace` policy of moves and copies, on the core itself: the destination file keeps
 * its identity and takes the source's content as a new version (decisions/0036).
 */
describe.each(backends)('replace on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend);
  });
  afterAll(() => k.close());

  const usage = async (u: CoreUser) => (await k.core.spaces.get(u.actor, u.spaceId)).usage;
  const read = async (u: CoreUser, id: number) => {
    const chunks: Buffer[] = [];
    for await (const c of await (await k.core.content.content(u.actor, id)).open()) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString();
  };
  const names = async (u: CoreUser, folder: number) => (await k.core.items.children(u.actor, folder)).items.map((i) => i.name);
  const clean = async () => expect((await k.core.fsck()).problems).toEqual([]);

  /** A folder `dest` holding `report.txt` (v1 "old") with a share, an entry and a favourite; `src.txt` ("new!") in the root. */
  async function scene(u: CoreUser) {
    const dest = (await k.core.changes.createFolder(u.actor, u.rootId, 'dest')).id;
    const target = await k.file(u, 'report.txt', 'old', dest);
    const [share] = await k.core.shares.add(u.actor, [target.id], { type: 'public' });
    const other = await k.user();
    const entry = await k.core.acl.add(u.actor, target.id, { actorType: ActorType.USER, actorId: other.id, mask: Right.READ_ATTRS });
    const [fav] = await k.core.favorites.add(u.actor, [{ itemId: target.id, tags: ['keep'] }]);
    const src = await k.file(u, 'src.txt', 'new!', u.rootId);
    return { dest, target, share, entry, fav, src };
  }

  /** What must not change about the destination: id, place, name, shares, entries, favourites. */
  async function keptIdentity(u: CoreUser, s: Awaited<ReturnType<typeof scene>>, after: Item) {
    expect(after).toMatchObject({ id: s.target.id, parentId: s.dest, name: 'report.txt', createdAt: s.target.createdAt, createdBy: s.target.createdBy });
    expect((await k.core.shares.get(u.actor, s.share.id)).itemId).toBe(s.target.id);
    expect((await k.core.acl.list(u.actor, s.target.id)).map((e) => e.id)).toEqual([s.entry.id]);
    expect((await k.core.favorites.list(u.actor)).map((f) => [f.id, f.itemId])).toEqual([[s.fav.id, s.target.id]]);
  }

  it('copy onto a file: the same file gets the content as a new version by the caller; the source stays', async () => {
    const u = await k.user();
    const s = await scene(u);
    const before = await usage(u);
    const after = await k.core.changes.copy(u.actor, s.src.id, s.dest, { name: 'report.txt', onConflict: 'replace' });
    await keptIdentity(u, s, after);
    expect(after).toMatchObject({ version: 2, sha256: s.src.sha256, size: 4, modifiedBy: u.id });
    expect(await read(u, s.target.id)).toBe('new!');
    const versions = await k.core.items.versions(u.actor, s.target.id);
    expect(versions.map((v) => [v.number, v.sha256, v.createdBy])).toEqual([
      [2, s.src.sha256, u.id],
      [1, s.target.sha256, u.id],
    ]);
    expect((await k.core.content.content(u.actor, s.target.id, 1)).etag).toBe(s.target.sha256);
    expect((await k.core.items.get(u.actor, s.src.id)).version).toBe(1);
    // A version counts its bytes; no new file.
    expect(await usage(u)).toEqual({ ...before, bytes: before.bytes + 4 });
    await clean();
  });

  it('move onto a file: a source with nothing more to lose is deleted for good, its bytes live on in the version', async () => {
    const u = await k.user();
    const s = await scene(u);
    const before = await usage(u);
    const after = await k.core.changes.move(u.actor, s.src.id, s.dest, { name: 'report.txt', onConflict: 'replace' });
    await keptIdentity(u, s, after);
    expect(after).toMatchObject({ version: 2, sha256: s.src.sha256 });
    await expect(k.core.items.getInAnyState(u.actor, s.src.id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await k.core.trash.list(u.actor, u.spaceId)).toEqual([]);
    expect(await names(u, u.rootId)).toEqual(['dest']);
    // The source's bytes now count as the new version: one file fewer, the same bytes.
    expect(await usage(u)).toEqual({ ...before, files: before.files - 1 });
    await clean();
  });

  it('move onto a file: a source with history, fields or references goes to the trash and can come back', async () => {
    const u = await k.user();
    const cases: [string, (src: Item) => Promise<unknown>][] = [
      // A second version: a twin's content copied onto it.
      ['older versions', async (src) => k.core.changes.copy(u.actor, (await k.file(u, 'twin.txt', 'first', u.rootId)).id, u.rootId, { name: src.name, onConflict: 'replace' })],
      ['a description', (src) => k.core.changes.update(u.actor, src.id, { description: 'notes' })],
      ['a share', (src) => k.core.shares.add(u.actor, [src.id], { type: 'public' })],
      ['a favourite', (src) => k.core.favorites.add(u.actor, [{ itemId: src.id }])],
    ];
    for (const [what, give] of cases) {
      const dest = (await k.core.changes.createFolder(u.actor, u.rootId, `to ${what}`)).id;
      const target = await k.file(u, 'doc.txt', 'old', dest);
      const src = await k.file(u, `${what}.txt`, 'newer', u.rootId);
      await give(src);
      const before = await usage(u);
      const after = await k.core.changes.move(u.actor, src.id, dest, { name: 'doc.txt', onConflict: 'replace' });
      expect(after.id, what).toBe(target.id);
      expect(await read(u, target.id), what).toBe(what === 'older versions' ? 'first' : 'newer');
      expect((await k.core.trash.list(u.actor, u.spaceId)).map((i) => i.id), what).toContain(src.id);
      // Both count until the trash is emptied.
      expect((await usage(u)).files, what).toBe(before.files);
      const restored = await k.core.trash.restore(u.actor, src.id);
      expect(restored.parentId, what).toBe(u.rootId);
    }
    await clean();
  });

  it('refuses a folder onto anything, and anything onto a folder, changing nothing', async () => {
    const u = await k.user();
    const a = (await k.core.changes.createFolder(u.actor, u.rootId, 'a')).id;
    const b = (await k.core.changes.createFolder(u.actor, u.rootId, 'b')).id;
    await k.core.changes.createFolder(u.actor, b, 'a');
    const file = await k.file(u, 'f.txt', 'f', b);
    const folderF = (await k.core.changes.createFolder(u.actor, u.rootId, 'f.txt')).id;
    const before = await usage(u);
    await expect(k.core.changes.move(u.actor, a, b, { onConflict: 'replace' })).rejects.toMatchObject({ code: 'name_conflict' });
    await expect(k.core.changes.copy(u.actor, a, b, { onConflict: 'replace' })).rejects.toMatchObject({ code: 'name_conflict' });
    await expect(k.core.changes.move(u.actor, folderF, b, { onConflict: 'replace' })).rejects.toMatchObject({ code: 'name_conflict' });
    const onFolder = await k.file(u, 'x.txt', 'x', u.rootId);
    await expect(k.core.changes.move(u.actor, onFolder.id, b, { name: 'a', onConflict: 'replace' })).rejects.toMatchObject({ code: 'name_conflict' });
    await expect(k.core.changes.copy(u.actor, onFolder.id, b, { name: 'a', onConflict: 'replace' })).rejects.toMatchObject({ code: 'name_conflict' });
    expect((await k.core.items.get(u.actor, file.id)).version).toBe(1);
    expect((await names(u, b)).sort()).toEqual(['a', 'f.txt']);
    expect((await names(u, u.rootId)).sort()).toEqual(['a', 'b', 'f.txt', 'x.txt']);
    expect(await usage(u)).toEqual({ ...before, bytes: before.bytes + 1, files: before.files + 1 });
    // A file cannot be copied onto itself.
    await expect(k.core.changes.copy(u.actor, onFolder.id, u.rootId, { onConflict: 'replace' })).rejects.toMatchObject({ code: 'bad_request' });
    // Moving a file onto its own place is no replace at all.
    expect((await k.core.changes.move(u.actor, onFolder.id, u.rootId, { onConflict: 'replace' })).version).toBe(1);
  });

  it('needs EDIT_BASIC on the destination; a destination hidden from the caller is a name clash', async () => {
    const owner = await k.user();
    const group = await k.core.spaces.create(owner.actor, { kind: 'group', name: 'replace rights' });
    const member = await k.user();
    await k.core.spaces.setMember(owner.actor, group.id, member.id, 'member');
    const locked = await k.file(owner, 'locked.txt', 'L', group.rootId);
    const hidden = await k.file(owner, 'hidden.txt', 'H', group.rootId);
    await k.core.acl.add(owner.actor, locked.id, { actorType: ActorType.USER, actorId: member.id, mask: Right.READ_ATTRS | Right.READ_CONTENT });
    await k.core.acl.add(owner.actor, hidden.id, { actorType: ActorType.USER, actorId: member.id, mask: 0 });
    const mine = await k.file(member, 'mine.txt', 'M', group.rootId);
    for (const op of ['move', 'copy'] as const) {
      await expect(k.core.changes[op](member.actor, mine.id, group.rootId, { name: 'locked.txt', onConflict: 'replace' })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(k.core.changes[op](member.actor, mine.id, group.rootId, { name: 'hidden.txt', onConflict: 'replace' })).rejects.toMatchObject({ code: 'name_conflict' });
    }
    expect((await k.core.items.get(owner.actor, locked.id)).version).toBe(1);
    expect((await k.core.items.get(owner.actor, hidden.id)).version).toBe(1);
    expect((await k.core.items.get(member.actor, mine.id)).parentId).toBe(group.rootId);
    // A viewer may not even create in the folder: what a move or copy needs still holds.
    const viewer = await k.user();
    await k.core.spaces.setMember(owner.actor, group.id, viewer.id, 'viewer');
    const elsewhere = await k.file(viewer, 'v.txt', 'v', viewer.rootId);
    await expect(k.core.changes.copy(viewer.actor, elsewhere.id, group.rootId, { name: 'locked.txt', onConflict: 'replace' })).rejects.toMatchObject({ code: 'forbidden' });
    // The owner may.
    expect((await k.core.changes.copy(owner.actor, mine.id, group.rootId, { name: 'locked.txt', onConflict: 'replace' })).version).toBe(2);
  });

  it('counts the new version against the quota: over it, nothing changes; a move within the space gives its bytes back first', async () => {
    const u = await k.user();
    await k.core.spaces.setQuota(k.admin.actor, u.spaceId, { bytes: 10 });
    const target = await k.file(u, 'save.txt', '1234', u.rootId);
    const temp = await k.file(u, 'save.tmp', '56789', u.rootId);
    // A copy would hold 4 + 5 + 5 bytes: refused, and nothing changed.
    await expect(k.core.changes.copy(u.actor, temp.id, u.rootId, { name: 'save.txt', onConflict: 'replace' })).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect((await k.core.items.get(u.actor, target.id)).version).toBe(1);
    // The save-by-rename of editors (WebDAV clients): the temporary file's bytes become the version's.
    const saved = await k.core.changes.move(u.actor, temp.id, u.rootId, { name: 'save.txt', onConflict: 'replace' });
    expect(saved).toMatchObject({ id: target.id, version: 2, size: 5 });
    expect(await usage(u)).toEqual({ bytes: 9, files: 1, reserved: 0, reservedFiles: 0 });
    await clean();
  });

  it('moves across spaces: the version counts in the destination space, the source leaves its own', async () => {
    const u = await k.user();
    const group = await k.core.spaces.create(u.actor, { kind: 'group', name: 'across' });
    const target = await k.file(u, 'shared.txt', 'old', group.rootId);
    const src = await k.file(u, 'draft.txt', 'drafted', u.rootId);
    const groupBefore = (await k.core.spaces.get(u.actor, group.id)).usage;
    const after = await k.core.changes.move(u.actor, src.id, group.rootId, { name: 'shared.txt', onConflict: 'replace' });
    expect(after).toMatchObject({ id: target.id, spaceId: group.id, version: 2, size: 7 });
    expect(await usage(u)).toEqual({ bytes: 0, files: 0, reserved: 0, reservedFiles: 0 });
    expect((await k.core.spaces.get(u.actor, group.id)).usage).toEqual({ ...groupBefore, bytes: groupBefore.bytes + 7 });
    await clean();
  });

  it('is all or nothing in a batch, and `version` still fails for moves and copies', async () => {
    const u = await k.user();
    const dest = (await k.core.changes.createFolder(u.actor, u.rootId, 'batch')).id;
    const t1 = await k.file(u, 'one.txt', 'old', dest);
    await k.core.changes.createFolder(u.actor, dest, 'two.txt');
    const s1 = await k.file(u, 'one.txt', 'new', u.rootId);
    const s2 = await k.file(u, 'two.txt', 'new', u.rootId);
    await expect(k.core.changes.moveMany(u.actor, [s1.id, s2.id], dest, { onConflict: 'replace' })).rejects.toMatchObject({ code: 'name_conflict' });
    expect((await k.core.items.get(u.actor, t1.id)).version).toBe(1);
    expect((await k.core.items.get(u.actor, s1.id)).parentId).toBe(u.rootId);
    await expect(k.core.changes.copy(u.actor, s1.id, dest, { onConflict: 'version' })).rejects.toMatchObject({ code: 'name_conflict' });
    await expect(k.core.changes.move(u.actor, s1.id, dest, { onConflict: 'version' })).rejects.toMatchObject({ code: 'name_conflict' });
    const [one] = await k.core.changes.copyMany(u.actor, [s1.id], dest, { onConflict: 'replace' });
    expect(one).toMatchObject({ id: t1.id, version: 2 });
  });
});

describe.each(backends)('replace under a version cap (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend, { KURA_VERSION_CAP: '2' });
  });
  afterAll(() => k.close());

  it('prunes the oldest versions of the destination and gives their bytes back', async () => {
    const u = await k.user();
    const target = await k.file(u, 'log.txt', 'a', u.rootId);
    const sources = [await k.file(u, 'b.txt', 'bb', u.rootId), await k.file(u, 'c.txt', 'ccc', u.rootId)];
    for (const s of sources) await k.core.changes.copy(u.actor, s.id, u.rootId, { name: 'log.txt', onConflict: 'replace' });
    expect((await k.core.items.versions(u.actor, target.id)).map((v) => [v.number, v.size])).toEqual([
      [3, 3],
      [2, 2],
    ]);
    // b.txt 2 + c.txt 3 + the two versions kept (2 + 3); the first version's byte is given back.
    expect((await k.core.spaces.get(u.actor, u.spaceId)).usage).toMatchObject({ bytes: 10, files: 3 });
    expect((await k.core.fsck()).problems).toEqual([]);
  });
});
