import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Lock } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest, type CoreUser } from '../helpers/core.js';

const body = (s: string) => Readable.from([Buffer.from(s)]);
const held = (...locks: Lock[]) => ({ conditions: { lockTokens: locks.map((l) => l.token) } });

/** Locks on the core itself: who they stop, what they cover, how long they live (the clock is moved, never waited on). */
describe.each(backends)('locks on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend, { KURA_LOCK_MAX_SECONDS: '600' }, { onDisk: true });
  });
  afterAll(() => k.close());

  /** A group space owned by `owner` where `members` may write. */
  async function group(owner: CoreUser, ...members: CoreUser[]) {
    const space = await k.core.spaces.create(owner.actor, { kind: 'group', name: `g${Math.random().toString(36).slice(2, 8)}` });
    for (const m of members) await k.core.spaces.setMember(owner.actor, space.id, m.id, 'member');
    return space;
  }
  const names = async (who: Actor, folderId: number) => (await k.core.items.children(who, folderId)).items.map((i) => i.name).sort();

  it('an exclusive lock stops every write without its token, its owner included, and lets its owner write with it', async () => {
    const u = await k.user();
    const f = await k.file(u, 'a.txt', 'one');
    const lock = await k.core.locks.take(u.actor, f.id, { scope: 'exclusive', depth: 0 });
    expect(lock).toMatchObject({ itemId: f.id, ownerId: u.id, scope: 'exclusive', depth: 0, timeoutSeconds: 600 });
    expect(lock.token).toMatch(/^opaquelocktoken:[0-9a-f-]{36}$/);
    await expect(k.core.uploads.uploadVersion(u.actor, f.id, body('two'))).rejects.toMatchObject({ code: 'locked', details: { itemId: f.id, lockedItemId: f.id } });
    await expect(k.core.changes.update(u.actor, f.id, { name: 'b.txt' })).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.changes.update(u.actor, f.id, { description: 'x' })).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.changes.trash(u.actor, f.id)).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.changes.destroy(u.actor, f.id)).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.uploads.upload(u.actor, u.rootId, { name: 'a.txt', stream: body('three') }, { onConflict: 'version' })).rejects.toMatchObject({ code: 'locked' });
    // A token that is not one of its locks does not help.
    await expect(k.core.changes.update(u.actor, f.id, { description: 'x' }, { conditions: { lockTokens: ['opaquelocktoken:00000000-0000-4000-8000-000000000000'] } })).rejects.toMatchObject({ code: 'locked' });
    expect((await k.core.items.get(u.actor, f.id)).version).toBe(1);
    const v2 = await k.core.uploads.uploadVersion(u.actor, f.id, body('two'), held(lock));
    expect(v2.version).toBe(2);
    expect((await k.core.changes.update(u.actor, f.id, { description: 'kept' }, held(lock))).description).toBe('kept');
    // Reads never need a token.
    expect((await k.core.items.get(u.actor, f.id)).description).toBe('kept');
  });

  it("a lock's token serves its owner only: another writer holding it is still refused", async () => {
    const [owner, ann, ben] = [await k.user(), await k.user(), await k.user()];
    const space = await group(owner, ann, ben);
    const f = await k.file(ann, 'doc.txt', 'x', space.rootId);
    const lock = await k.core.locks.take(ann.actor, f.id, {});
    await expect(k.core.changes.update(ben.actor, f.id, { description: 'b' }, held(lock))).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.changes.update(owner.actor, f.id, { description: 'o' }, held(lock))).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.changes.update(k.admin.actor, f.id, { description: 'a' })).rejects.toMatchObject({ code: 'locked' });
    expect((await k.core.changes.update(ann.actor, f.id, { description: 'a' }, held(lock))).description).toBe('a');
  });

  it('shared locks coexist; an exclusive lock excludes every other, on the item, above it with depth infinity, and below it', async () => {
    const [owner, ann, ben] = [await k.user(), await k.user(), await k.user()];
    const space = await group(owner, ann, ben);
    const dir = await k.core.changes.createFolder(ann.actor, space.rootId, 'dir');
    const f = await k.file(ann, 'f.txt', 'x', dir.id);
    const s1 = await k.core.locks.take(ann.actor, f.id, { scope: 'shared', depth: 0 });
    const s2 = await k.core.locks.take(ben.actor, f.id, { scope: 'shared', depth: 0 });
    await expect(k.core.locks.take(owner.actor, f.id, { scope: 'exclusive' })).rejects.toMatchObject({ code: 'locked' });
    // A depth-infinity lock of the folder covers the file: an exclusive one clashes with the shared ones below.
    await expect(k.core.locks.take(owner.actor, dir.id, { scope: 'exclusive', depth: 'infinity' })).rejects.toMatchObject({ code: 'locked', details: { lockedItemId: f.id } });
    // Depth 0 covers the folder alone.
    const d0 = await k.core.locks.take(owner.actor, dir.id, { scope: 'exclusive', depth: 0 });
    // With shared locks, any one of them held by its owner lets a write through.
    expect((await k.core.changes.update(ben.actor, f.id, { description: 'ben' }, held(s2))).description).toBe('ben');
    expect((await k.core.changes.update(ann.actor, f.id, { description: 'ann' }, held(s1))).description).toBe('ann');
    expect((await k.core.locks.list(ann.actor, f.id)).map((l) => l.token).sort()).toEqual([s1.token, s2.token].sort());
    await k.core.locks.release(owner.actor, dir.id, d0.token);
    await k.core.locks.release(ann.actor, f.id, s1.token);
    await k.core.locks.release(ben.actor, f.id, s2.token);
    const deep = await k.core.locks.take(owner.actor, dir.id, { scope: 'exclusive', depth: 'infinity' });
    await expect(k.core.locks.take(ann.actor, f.id, { scope: 'shared', depth: 0 })).rejects.toMatchObject({ code: 'locked', details: { lockedItemId: dir.id } });
    expect(await k.core.locks.list(ann.actor, f.id)).toEqual([deep]);
  });

  it('a depth-infinity lock on a folder covers its subtree; depth 0 covers its membership, not its members', async () => {
    const u = await k.user();
    const deep = await k.core.changes.createFolder(u.actor, u.rootId, 'deep');
    const sub = await k.core.changes.createFolder(u.actor, deep.id, 'sub');
    const inner = await k.file(u, 'inner.txt', 'x', sub.id);
    const outside = await k.file(u, 'outside.txt', 'y');
    const lock = await k.core.locks.take(u.actor, deep.id, { depth: 'infinity' });
    // Creating a child anywhere below, changing a member, moving or copying in: all need the token.
    await expect(k.file(u, 'new.txt', 'z', sub.id)).rejects.toMatchObject({ code: 'locked', details: { lockedItemId: deep.id } });
    await expect(k.core.changes.createFolder(u.actor, sub.id, 'x')).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.uploads.uploadVersion(u.actor, inner.id, body('v2'))).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.changes.move(u.actor, outside.id, sub.id)).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.changes.copy(u.actor, outside.id, sub.id)).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.changes.move(u.actor, inner.id, u.rootId)).rejects.toMatchObject({ code: 'locked' });
    expect(await names(u.actor, sub.id)).toEqual(['inner.txt']);
    // The folder above is not covered.
    await k.file(u, 'beside.txt', 'b');
    await k.core.changes.copy(u.actor, outside.id, sub.id, held(lock));
    expect(await names(u.actor, sub.id)).toEqual(['inner.txt', 'outside.txt']);
    await k.core.locks.release(u.actor, deep.id, lock.token);

    const flat = await k.core.changes.createFolder(u.actor, u.rootId, 'flat');
    const member = await k.file(u, 'member.txt', 'm', flat.id);
    const d0 = await k.core.locks.take(u.actor, flat.id, { depth: 0 });
    // A member's content is not the folder's: no token needed. Its name and the folder's membership are.
    expect((await k.core.uploads.uploadVersion(u.actor, member.id, body('m2'))).version).toBe(2);
    expect((await k.core.uploads.upload(u.actor, flat.id, { name: 'member.txt', stream: body('m3') }, { onConflict: 'version' })).version).toBe(3);
    await expect(k.core.changes.update(u.actor, member.id, { name: 'renamed.txt' })).rejects.toMatchObject({ code: 'locked', details: { lockedItemId: flat.id } });
    await expect(k.file(u, 'other.txt', 'o', flat.id)).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.changes.trash(u.actor, member.id)).rejects.toMatchObject({ code: 'locked' });
    await k.core.uploads.upload(u.actor, flat.id, { name: 'other.txt', stream: body('o') }, held(d0));
    expect(await names(u.actor, flat.id)).toEqual(['member.txt', 'other.txt']);
  });

  it('moving or deleting a folder needs the token of every lock below it, and ends those locks', async () => {
    const u = await k.user();
    const top = await k.core.changes.createFolder(u.actor, u.rootId, 'top');
    const f = await k.file(u, 'locked.txt', 'x', top.id);
    const dest = await k.core.changes.createFolder(u.actor, u.rootId, 'dest');
    const lock = await k.core.locks.take(u.actor, f.id, { depth: 0 });
    await expect(k.core.changes.trash(u.actor, top.id)).rejects.toMatchObject({ code: 'locked', details: { itemId: f.id } });
    await expect(k.core.changes.move(u.actor, top.id, dest.id)).rejects.toMatchObject({ code: 'locked' });
    await expect(k.core.changes.update(u.actor, top.id, { name: 'top2' })).rejects.toMatchObject({ code: 'locked' });
    // A description of the folder is not a change of what lies below it.
    await k.core.changes.update(u.actor, top.id, { description: 'fine' });
    await k.core.changes.move(u.actor, top.id, dest.id, held(lock));
    // A lock does not move with its item (RFC 4918 §7.5): the move ended it.
    expect(await k.core.locks.list(u.actor, f.id)).toEqual([]);
    await k.core.changes.update(u.actor, f.id, { description: 'free again' });
    const again = await k.core.locks.take(u.actor, f.id, {});
    await k.core.changes.update(u.actor, f.id, { name: 'renamed.txt' }, held(again));
    expect(await k.core.locks.list(u.actor, f.id)).toEqual([]);
    const third = await k.core.locks.take(u.actor, f.id, {});
    await k.core.changes.trash(u.actor, top.id, held(third));
    const [trashed] = await k.core.trash.list(u.actor, u.spaceId);
    // Restored, it comes back without its lock.
    await k.core.trash.restore(u.actor, trashed.id);
    expect(await k.core.locks.list(u.actor, f.id)).toEqual([]);
  });

  it('timeouts are capped; an expired lock is ignored everywhere and GC deletes it; a refresh extends a live one', async () => {
    const u = await k.user();
    const f = await k.file(u, 'ttl.txt', 'x');
    const capped = await k.core.locks.take(u.actor, f.id, { timeoutSeconds: 100_000 });
    expect(capped.timeoutSeconds).toBe(600);
    expect(capped.expiresAt).toBe(capped.createdAt + 600_000);
    await k.core.locks.release(u.actor, f.id, capped.token);
    await expect(k.core.locks.take(u.actor, f.id, { timeoutSeconds: 0 })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.locks.take(u.actor, f.id, { scope: 'both' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(k.core.locks.take(u.actor, f.id, { depth: 1 })).rejects.toMatchObject({ code: 'bad_request' });

    const lock = await k.core.locks.take(u.actor, f.id, { timeoutSeconds: 60 });
    k.clock.advance(50_000);
    const refreshed = await k.core.locks.refresh(u.actor, f.id, lock.token, 60);
    expect(refreshed.expiresAt).toBeGreaterThan(lock.expiresAt);
    k.clock.advance(50_000);
    // 100 s after it was taken, the refreshed lock still holds.
    await expect(k.core.changes.update(u.actor, f.id, { description: 'x' })).rejects.toMatchObject({ code: 'locked' });
    k.clock.advance(20_000);
    // Expired: ignored by writes, lists and new locks; it cannot be refreshed.
    await k.core.changes.update(u.actor, f.id, { description: 'x' });
    expect(await k.core.locks.list(u.actor, f.id)).toEqual([]);
    await expect(k.core.locks.refresh(u.actor, f.id, lock.token)).rejects.toMatchObject({ code: 'precondition_failed' });
    const rows = () => k.core.database.db.selectFrom('locks').select('token').where('token', '=', lock.token).execute();
    expect(await rows()).toHaveLength(1);
    await k.core.gc();
    expect(await rows()).toEqual([]);
    expect((await k.core.locks.take(u.actor, f.id, {})).ownerId).toBe(u.id);
  });

  it('its owner releases a lock; the space owner or a Kura admin breaks anyone’s; others may not', async () => {
    const [owner, ann, ben] = [await k.user(), await k.user(), await k.user()];
    const space = await group(owner, ann, ben);
    const f = await k.file(ann, 'f.txt', 'x', space.rootId);
    const a = await k.core.locks.take(ann.actor, f.id, {});
    await expect(k.core.locks.release(ben.actor, f.id, a.token)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(k.core.locks.release(ben.actor, f.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(k.core.locks.refresh(ben.actor, f.id, a.token)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(k.core.locks.release(ann.actor, f.id, 'opaquelocktoken:nope')).rejects.toMatchObject({ code: 'conflict' });
    expect(await k.core.locks.release(owner.actor, f.id)).toBe(1);
    await expect(k.core.locks.release(owner.actor, f.id)).rejects.toMatchObject({ code: 'not_found' });
    const b = await k.core.locks.take(ann.actor, f.id, {});
    expect(await k.core.locks.release(k.admin.actor, f.id, b.token)).toBe(1);
    const c = await k.core.locks.take(ann.actor, f.id, {});
    expect(await k.core.locks.release(ann.actor, f.id, c.token)).toBe(1);
    await k.core.locks.take(ann.actor, f.id, {});
    // The operator (`kura lock break`).
    expect(await k.core.locks.release(null, f.id)).toBe(1);
    // Someone who cannot see the item learns nothing.
    const stranger = await k.user();
    await expect(k.core.locks.list(stranger.actor, f.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.locks.take(stranger.actor, f.id, {})).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a lock taken through one node is honoured by another on the same database, and of racing takers one wins', async () => {
    const other = await k.another();
    const u = await k.user();
    const f = await k.file(u, 'shared.txt', 'x');
    const lock = await k.core.locks.take(u.actor, f.id, {});
    await expect(other.changes.update(u.actor, f.id, { description: 'elsewhere' })).rejects.toMatchObject({ code: 'locked' });
    await expect(other.uploads.uploadVersion(u.actor, f.id, body('v2'))).rejects.toMatchObject({ code: 'locked' });
    expect(await other.locks.list(u.actor, f.id)).toEqual([lock]);
    await other.changes.update(u.actor, f.id, { description: 'with it' }, held(lock));
    await other.locks.release(u.actor, f.id, lock.token);
    await k.core.changes.update(u.actor, f.id, { description: 'free' });
    const g = await k.file(u, 'race.txt', 'x');
    // Several nodes race on PostgreSQL only: SQLite is one node's database (its connections would refuse each other with SQLITE_BUSY).
    const nodes = backend === 'postgres' ? [k.core, other] : [k.core];
    const tries = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => nodes[i % nodes.length].locks.take(u.actor, g.id, {})));
    expect(tries.filter((t) => t.status === 'fulfilled')).toHaveLength(1);
    for (const t of tries) if (t.status === 'rejected') expect(t.reason).toMatchObject({ code: 'locked' });
  });
});
