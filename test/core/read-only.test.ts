import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest } from '../helpers/core.js';

const body = (s: string) => Readable.from([Buffer.from(s)]);

/** Read-only tokens on the core: their caller reads as its user does and changes nothing, through any operation. */
describe.each(backends)('read-only tokens on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  beforeAll(async () => {
    k = await startCore(backend);
  });
  afterAll(() => k.close());

  it('carries readOnly on the actor its token resolves to, and lists it', async () => {
    const u = await k.user();
    const { token, info } = await k.core.tokens.create(u.id, { label: 'viewer', readOnly: true });
    expect(info.readOnly).toBe(true);
    expect(await k.core.tokens.resolve(token)).toMatchObject({ userId: u.id, readOnly: true });
    const full = await k.core.tokens.create(u.id, {});
    expect((await k.core.tokens.resolve(full.token)).readOnly).toBeUndefined();
    expect((await k.core.tokens.list(u.id)).map((t) => t.readOnly)).toEqual([true, false]);
    await expect(k.core.tokens.create(u.id, { readOnly: 'yes' })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('refuses every write of a read-only caller with forbidden (read_only) and changes nothing; reads work', async () => {
    const u = await k.user();
    const other = await k.user();
    const dir = await k.core.changes.createFolder(u.actor, u.rootId, 'dir');
    const f = await k.file(u, 'f.txt', 'one', dir.id);
    const gone = await k.file(u, 'gone.txt', 'g');
    await k.core.changes.trash(u.actor, gone.id);
    const { token } = await k.core.tokens.create(u.id, { readOnly: true });
    const ro: Actor = await k.core.tokens.resolve(token);
    const before = { usage: (await k.core.spaces.get(u.actor, u.spaceId)).usage, children: await k.core.items.children(u.actor, u.rootId), file: await k.core.items.get(u.actor, f.id) };

    const writes: [string, () => Promise<unknown>][] = [
      ['createFolder', () => k.core.changes.createFolder(ro, u.rootId, 'x')],
      ['createTree', () => k.core.changes.createTree(ro, u.rootId, { Name: 't' })],
      ['upload', () => k.core.uploads.upload(ro, u.rootId, { name: 'n.txt', stream: body('n') })],
      ['uploadMany', () => k.core.uploads.uploadMany(ro, u.rootId, [{ name: 'n.txt', stream: body('n') }])],
      ['checkTarget', () => k.core.uploads.checkTarget(ro, u.rootId)],
      ['uploadVersion', () => k.core.uploads.uploadVersion(ro, f.id, body('two'))],
      ['update', () => k.core.changes.update(ro, f.id, { name: 'g.txt' })],
      ['updateMany', async () => {
        const [r] = await k.core.changes.updateMany(ro, [{ id: f.id, patch: { description: 'x' } }]);
        if (!r.ok) throw r.error;
      }],
      ['move', () => k.core.changes.move(ro, f.id, u.rootId)],
      ['copy', () => k.core.changes.copy(ro, f.id, u.rootId)],
      ['trash', () => k.core.changes.trash(ro, f.id)],
      ['destroy', () => k.core.changes.destroy(ro, f.id)],
      ['restore', () => k.core.trash.restore(ro, gone.id)],
      ['purge', () => k.core.trash.purge(ro, gone.id)],
      ['clear trash', () => k.core.trash.clear(ro, u.spaceId)],
      ['resumable', () => k.core.resumable.open(ro, { key: 'ro-1', target: { folderId: u.rootId, name: 'r.bin' }, length: 3 })],
      ['acl', () => k.core.acl.add(ro, f.id, { actorType: 0, actorId: other.id, mask: 1 })],
      ['share', () => k.core.shares.add(ro, [f.id], { type: 'public' })],
      ['favorite', () => k.core.favorites.add(ro, [{ itemId: f.id }])],
      ['pin', () => k.core.pins.pin(ro, f.id, 'post:1')],
      ['space', () => k.core.spaces.create(ro, { kind: 'group', name: 'g' })],
      ['public links', () => k.core.spaces.setPublicLinks(ro, u.spaceId, false)],
      ['lock', () => k.core.locks.take(ro, f.id, {})],
      ['token', () => k.core.tokens.create(u.id, { by: ro })],
    ];
    for (const [what, write] of writes) await expect(write(), what).rejects.toMatchObject({ code: 'forbidden', details: { reason: 'read_only' } });

    expect((await k.core.spaces.get(u.actor, u.spaceId)).usage).toEqual(before.usage);
    expect(await k.core.items.children(u.actor, u.rootId)).toEqual(before.children);
    expect(await k.core.items.get(u.actor, f.id)).toEqual(before.file);
    expect(await k.core.shares.list(u.actor)).toEqual([]);
    expect(await k.core.tokens.list(u.id)).toHaveLength(1);
    // Reads: as its user.
    expect((await k.core.items.children(ro, dir.id)).items.map((i) => i.name)).toEqual(['f.txt']);
    expect((await k.core.content.content(ro, f.id)).etag).toBe(f.sha256);
    expect(await k.core.locks.list(ro, f.id)).toEqual([]);
  });

  it('a read-only token may revoke itself (sign out), no other token', async () => {
    const u = await k.user();
    const full = await k.core.tokens.create(u.id, {});
    const { token, info } = await k.core.tokens.create(u.id, { readOnly: true });
    const ro = await k.core.tokens.resolve(token);
    await expect(k.core.tokens.revoke(ro, full.info.id)).rejects.toMatchObject({ code: 'forbidden' });
    await k.core.tokens.revoke(ro, info.id);
    await expect(k.core.tokens.resolve(token)).rejects.toMatchObject({ code: 'unauthorized' });
    expect((await k.core.tokens.list(u.id)).map((t) => t.id)).toEqual([full.info.id]);
  });
});
