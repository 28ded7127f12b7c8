import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorType, compileFilter, CORE_FIELD_SPECS, isKuraError, type Item, type SignedLink } from '../../src/core/index.js';
import { exists } from '../../src/core/items/visibility.js';
import type { ItemRow } from '../../src/core/ports/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest, type CoreUser } from '../helpers/core.js';
import { unzip } from '../helpers/zip.js';

/*
 * One rule decides what exists for a reader (core/items/visibility.ts, and Access for
 * rights): an item expired, trashed, hidden by an access entry or pending is never shown
 * (and a private one never to readers without rights)
 * and never counted, by any read of the core. The matrix below is table-driven: each state
 * (a row) is applied to a fresh subject, every probe (a column) must see the file before
 * and must not see it after. A state names the readers it hides the file from.
 */

/** Who reads: a member of the space the file is in, or anyone without a token (public reads). */
type Reader = 'member' | 'anonymous';

/** A file in a folder of a group space, and what its member made of it while it was there. */
interface Subject {
  owner: CoreUser;
  member: CoreUser;
  rootId: number;
  box: Item;
  file: Item;
  /** Shares of the file and of its folder, made by the member. */
  fileShare: string;
  boxShare: string;
  /** A download link the member signed. */
  link: SignedLink;
  /** This subject's client address for public reads (their misses are counted per client). */
  client: string;
}

/** A state that makes the file not exist for some readers. */
interface HidingState {
  name: string;
  hides: readonly Reader[];
  /** The file is uploaded to expire this long after it is made. */
  expiresInMs?: number;
  apply(k: CoreUnderTest, s: Subject): Promise<void>;
}

const REF = 'message:1';
const NAME = 'subject.png';

const STATES: HidingState[] = [
  {
    name: 'expired',
    hides: ['member', 'anonymous'],
    expiresInMs: 60_000,
    // Not purged: the sweep has not run. Nothing is written either, so every per-node cache
    // still holds what it read before: the file must vanish at its expiry instant all the same.
    apply: async (k) => k.clock.advance(60_001),
  },
  {
    name: 'trashed',
    hides: ['member', 'anonymous'],
    apply: async (k, s) => k.core.changes.trash(s.owner.actor, s.file.id),
  },
  {
    name: 'hidden by an access entry',
    hides: ['member', 'anonymous'],
    apply: async (k, s) => void (await k.core.acl.add(s.owner.actor, s.file.id, { actorType: ActorType.USER, actorId: s.member.id, mask: 0 })),
  },
  {
    name: 'pending',
    hides: ['member', 'anonymous'],
    // Nothing makes a pending item today (a file row before its first version is recorded):
    // the test makes one by hand in the store.
    apply: async (k, s) => void (await k.core.database.store.items.update(s.file.id, { version: 0 })),
  },
  {
    name: 'private',
    // Made public, then switched off by its owner: members still see it, nobody reads it by id.
    hides: ['anonymous'],
    apply: async (k, s) => void (await k.core.changes.update(s.owner.actor, s.file.id, { public: false })),
  },
];

/** Whether a read answered (true) or found nothing (not_found: false). */
const found = (p: Promise<unknown>): Promise<boolean> =>
  p.then(
    () => true,
    (e: unknown) => {
      if (isKuraError(e) && e.code === 'not_found') return false;
      throw e;
    },
  );

const drain = async (r: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

interface Probe {
  name: string;
  reader: Reader;
  shown(k: CoreUnderTest, s: Subject): Promise<boolean>;
}

const byName = compileFilter(`name==${NAME}`, CORE_FIELD_SPECS, 'q');
const images = compileFilter('maintype==image', CORE_FIELD_SPECS, 'q');
const has = (items: { id: number }[], s: Subject) => items.some((i) => i.id === s.file.id);
type Tree = { id: number; children: Tree }[];
const inTree = (t: Tree, id: number): boolean => t.some((n) => n.id === id || inTree(n.children, id));

const PROBES: Probe[] = [
  { name: 'item by id', reader: 'member', shown: (k, s) => found(k.core.items.get(s.member.actor, s.file.id)) },
  { name: 'child by name', reader: 'member', shown: (k, s) => found(k.core.items.childByName(s.member.actor, s.box.id, NAME)) },
  { name: 'children', reader: 'member', shown: async (k, s) => has((await k.core.items.children(s.member.actor, s.box.id)).items, s) },
  { name: 'children count', reader: 'member', shown: async (k, s) => (await k.core.items.children(s.member.actor, s.box.id)).total === 1 },
  { name: 'files count', reader: 'member', shown: async (k, s) => (await k.core.items.children(s.member.actor, s.box.id, { kind: 'file', limit: 1 })).total === 1 },
  { name: 'search by name', reader: 'member', shown: async (k, s) => has((await k.core.items.children(s.member.actor, s.box.id, { filter: byName })).items, s) },
  { name: 'search count (index)', reader: 'member', shown: async (k, s) => (await k.core.items.children(s.member.actor, s.box.id, { filter: images })).total === 1 },
  { name: 'all children', reader: 'member', shown: async (k, s) => has(await k.core.items.allChildren(s.member.actor, s.box.id), s) },
  { name: 'tree', reader: 'member', shown: async (k, s) => inTree(await k.core.items.descendants(s.member.actor, s.rootId), s.file.id) },
  { name: 'tree with a filter', reader: 'member', shown: async (k, s) => inTree(await k.core.items.descendants(s.member.actor, s.rootId, { filter: byName }), s.file.id) },
  { name: 'ancestors', reader: 'member', shown: (k, s) => found(k.core.items.ancestors(s.member.actor, s.file.id)) },
  { name: 'versions', reader: 'member', shown: (k, s) => found(k.core.items.versions(s.member.actor, s.file.id)) },
  { name: 'content', reader: 'member', shown: (k, s) => found(k.core.content.content(s.member.actor, s.file.id)) },
  { name: 'thumbnail', reader: 'member', shown: (k, s) => found(k.core.content.derivative(s.member.actor, s.file.id, { kind: 'short-edge', size: 64 }, { client: s.client })) },
  { name: 'access entries', reader: 'member', shown: (k, s) => found(k.core.acl.list(s.member.actor, s.file.id)) },
  { name: 'share download', reader: 'member', shown: (k, s) => found(k.core.shares.open(s.fileShare, undefined, { client: s.client, count: false })) },
  {
    name: 'share zip',
    reader: 'member',
    shown: async (k, s) => {
      const zip = await k.core.shares.open(s.boxShare, undefined, { client: s.client, count: false });
      if (zip.kind !== 'zip') throw new Error('a folder share is a zip');
      return (await unzip(await drain(zip.open()))).has(`box/${NAME}`);
    },
  },
  { name: 'shares listed', reader: 'member', shown: async (k, s) => (await k.core.shares.list(s.member.actor)).some((x) => x.itemId === s.file.id) },
  { name: 'favourites', reader: 'member', shown: async (k, s) => has((await k.core.favorites.list(s.member.actor)).map((f) => ({ id: f.itemId })), s) },
  { name: 'pins by reference', reader: 'member', shown: async (k, s) => has((await k.core.pins.byRef(s.member.actor, REF)).map((p) => ({ id: p.itemId })), s) },
  { name: 'pins of the file', reader: 'member', shown: (k, s) => found(k.core.pins.ofItem(s.member.actor, s.file.id)) },
  { name: 'sign a link', reader: 'member', shown: (k, s) => found(k.core.links.sign(s.member.actor, s.file.id)) },
  { name: 'signed link download', reader: 'member', shown: (k, s) => found(k.core.links.open(s.link, { client: s.client, count: false })) },
  { name: 'public metadata', reader: 'anonymous', shown: (k, s) => found(k.core.publicReads.item(s.file.id, { client: s.client })) },
  { name: 'public content', reader: 'anonymous', shown: (k, s) => found(k.core.publicReads.content(s.file.id, { client: s.client })) },
  { name: 'public thumbnail', reader: 'anonymous', shown: (k, s) => found(k.core.publicReads.content(s.file.id, { client: s.client, recipe: { kind: 'short-edge', size: 64 } })) },
];

/** Operations on the file by its member: each is refused as not_found once the file does not exist for it. */
const OPERATIONS: { name: string; run(k: CoreUnderTest, s: Subject): Promise<unknown> }[] = [
  { name: 'rename', run: (k, s) => k.core.changes.update(s.member.actor, s.file.id, { name: 'renamed.png' }) },
  { name: 'describe', run: (k, s) => k.core.changes.update(s.member.actor, s.file.id, { description: 'still here?' }) },
  { name: 'copy', run: (k, s) => k.core.changes.copy(s.member.actor, s.file.id, s.rootId, { name: 'copy.png' }) },
  { name: 'share', run: (k, s) => k.core.shares.add(s.member.actor, [s.file.id], { type: 'public' }) },
  { name: 'favourite', run: (k, s) => k.core.favorites.add(s.member.actor, [{ itemId: s.file.id }]) },
  { name: 'pin', run: (k, s) => k.core.pins.pin(s.member.actor, s.file.id, 'message:2') },
  { name: 'new version', run: (k, s) => k.core.uploads.uploadVersion(s.member.actor, s.file.id, Readable.from([Buffer.from('v2')])) },
  { name: 'move', run: (k, s) => k.core.changes.move(s.member.actor, s.file.id, s.rootId) },
  { name: 'delete', run: (k, s) => k.core.changes.trash(s.member.actor, s.file.id) },
];

describe.each(backends)('one visibility rule, on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  let png: Buffer;
  let n = 0;
  beforeAll(async () => {
    k = await startCore(backend);
    png = await sharp({ create: { width: 96, height: 80, channels: 3, background: '#2266aa' } }).png().toBuffer();
  });
  afterAll(() => k.close());

  /** A group space with an owner and a member; `box/subject.png`, shared, favourited, pinned and linked by the member. */
  async function subject(expiresInMs?: number): Promise<Subject> {
    const owner = await k.user();
    const member = await k.user();
    const space = await k.core.spaces.create(owner.actor, { kind: 'group', name: `group ${++n}` });
    await k.core.spaces.setMember(owner.actor, space.id, member.id, 'member');
    const box = await k.core.changes.createFolder(owner.actor, space.rootId, 'box');
    const file = await k.core.uploads.upload(owner.actor, box.id, { name: NAME, stream: Readable.from([png]) }, { public: true, ...(expiresInMs === undefined ? {} : { expiresAt: k.clock.now() + expiresInMs }) });
    const [fileShare, boxShare] = await k.core.shares.add(member.actor, [file.id, box.id], { type: 'public' });
    await k.core.favorites.add(member.actor, [{ itemId: file.id }]);
    await k.core.pins.pin(member.actor, file.id, REF);
    const link = await k.core.links.sign(member.actor, file.id);
    return { owner, member, rootId: space.rootId, box, file, fileShare: fileShare.token, boxShare: boxShare.token, link, client: `198.51.100.${n}` };
  }

  describe.each(STATES)('an item $name', (state) => {
    let s: Subject;
    beforeAll(async () => {
      s = await subject(state.expiresInMs);
    });

    it('is seen by every read before', async () => {
      for (const p of PROBES) expect([p.name, await p.shown(k, s)]).toEqual([p.name, true]);
    });

    it('is seen by none of the readers it hides from after, and counted by none', async () => {
      await state.apply(k, s);
      for (const p of PROBES) if (state.hides.includes(p.reader)) expect([p.name, await p.shown(k, s)]).toEqual([p.name, false]);
    });

    it.runIf(state.hides.includes('member'))('cannot be changed, copied, shared, pinned or deleted by them (not found)', async () => {
      for (const op of OPERATIONS) await expect(op.run(k, s), op.name).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  it('the same operations succeed on an item that exists (the control row)', async () => {
    const s = await subject();
    const done: string[] = [];
    for (const op of OPERATIONS) await op.run(k, s).then(() => done.push(op.name));
    expect(done).toEqual(OPERATIONS.map((op) => op.name));
  });

  it('an expired item is gone from the trash too, and cannot be restored', async () => {
    const s = await subject(60_000);
    await k.core.changes.trash(s.owner.actor, s.file.id);
    expect((await k.core.trash.list(s.owner.actor, s.file.spaceId)).map((i) => i.id)).toEqual([s.file.id]);
    k.clock.advance(60_001);
    expect(await k.core.trash.list(s.owner.actor, s.file.spaceId)).toEqual([]);
    await expect(k.core.trash.restore(s.owner.actor, s.file.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('an expired file frees its name at once: a new file takes it, and usage counts the old one until then', async () => {
    const u = await k.user();
    const old = await k.core.uploads.upload(u.actor, u.rootId, { name: 'daily.txt', stream: Readable.from([Buffer.from('old bytes')]) }, { expiresAt: k.clock.now() + 1000 });
    k.clock.advance(1001);
    // Expired but not purged: it still counts in the space's usage (the sweep gives it back).
    expect((await k.core.spaces.get(u.actor, u.spaceId)).usage).toMatchObject({ bytes: 9, files: 1 });
    // A new file of that name is a new file (not `daily (1).txt`, not a version of the expired one).
    for (const onConflict of ['fail', 'rename', 'version'] as const) {
      const made = await k.core.uploads.upload(u.actor, u.rootId, { name: 'daily.txt', stream: Readable.from([Buffer.from('new')]) }, { onConflict, expiresAt: k.clock.now() + 1000 });
      expect([onConflict, made.name, made.version]).toEqual([onConflict, 'daily.txt', 1]);
      expect(made.id).not.toBe(old.id);
      k.clock.advance(1001);
    }
    await k.core.changes.createFolder(u.actor, u.rootId, 'daily.txt');
    expect((await k.core.items.children(u.actor, u.rootId)).items.map((i) => [i.name, i.kind])).toEqual([['daily.txt', 'folder']]);
    // The expired files were purged on the way, their usage given back.
    expect((await k.core.spaces.get(u.actor, u.spaceId)).usage).toMatchObject({ bytes: 0, files: 0 });
    const { problems } = await k.core.fsck();
    expect(problems.filter((p) => p.problem === 'refcount_mismatch' || p.hash === `space:${u.spaceId}`)).toEqual([]);
  });

  it('a copy of a folder takes none of what expired in it, and a copy is permanent', async () => {
    const u = await k.user();
    const dir = await k.core.changes.createFolder(u.actor, u.rootId, 'dir');
    await k.core.uploads.upload(u.actor, dir.id, { name: 'gone.txt', stream: Readable.from([Buffer.from('x')]) }, { expiresAt: k.clock.now() + 1000 });
    await k.core.uploads.upload(u.actor, dir.id, { name: 'soon.txt', stream: Readable.from([Buffer.from('y')]) }, { expiresAt: k.clock.now() + 5000 });
    k.clock.advance(1001);
    const copy = await k.core.changes.copy(u.actor, dir.id, u.rootId, { name: 'copy' });
    const names = (await k.core.items.children(u.actor, copy.id)).items.map((i) => [i.name, i.expiresAt]);
    expect(names).toEqual([['soon.txt', null]]);
    // A move of the folder takes the expired file along (it is nobody's to see), and is not refused for it.
    await k.core.changes.move(u.actor, dir.id, copy.id);
    await k.core.changes.trash(u.actor, copy.id);
  });

  it('per-node caches never serve an item past its expiry', async () => {
    const s = await subject(30_000);
    // Read once through every cached path: rights per (item, caller), public hits, signed links.
    await k.core.items.get(s.member.actor, s.file.id);
    await k.core.publicReads.content(s.file.id, { client: s.client });
    await k.core.content.content(s.member.actor, s.file.id);
    k.clock.advance(30_001);
    await expect(k.core.publicReads.content(s.file.id, { client: s.client })).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.items.get(s.member.actor, s.file.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.content.content(s.member.actor, s.file.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('the rule for rows in memory and the rule in SQL agree, at and around every expiry', async () => {
    const u = await k.user();
    const store = k.core.database.store;
    const dir = await k.core.changes.createFolder(u.actor, u.rootId, 'states');
    const blob = (await k.file(u, 'content.bin', 'content')).sha256!;
    const t = k.clock.now() + 10_000;
    const rows: Partial<ItemRow>[] = [
      { kind: 'file', version: 1 },
      { kind: 'file', version: 1, expires_at: t },
      { kind: 'file', version: 1, expires_at: t + 1 },
      { kind: 'file', version: 1, trashed_at: t - 5000 },
      { kind: 'file', version: 1, trashed_at: t - 5000, expires_at: t },
      { kind: 'file', version: 0, blob_hash: null },
      { kind: 'file', version: 0, blob_hash: null, expires_at: t + 1 },
      { kind: 'folder', version: 0, blob_hash: null },
      { kind: 'folder', version: 0, blob_hash: null, expires_at: t },
    ];
    let i = 0;
    for (const r of rows) {
      const id = 9_000_000_000 + ++n * 100 + i;
      const trashed = r.trashed_at ?? null;
      const kind = r.kind!;
      await store.items.insert({
        id,
        space_id: u.spaceId,
        parent_id: dir.id,
        name: `row ${i++}`,
        kind,
        created_by: u.id,
        created_at: t - 9000,
        modified_by: u.id,
        modified_at: t - 9000,
        mime: kind === 'file' ? 'application/octet-stream' : null,
        category: kind === 'file' ? 'other' : null,
        blob_hash: 'blob_hash' in r ? r.blob_hash! : blob,
        version: r.version!,
        expires_at: r.expires_at ?? null,
        trashed_at: trashed,
        trash_root: trashed === null ? null : id,
      });
    }
    // Every row, whatever its state, as subtrees read them.
    const all = (await store.items.subtree(dir.id)).sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(all).toHaveLength(rows.length);
    for (const now of [t - 1, t, t + 1, t + 2]) {
      for (const trash of [false, true]) {
        const inMemory = all.filter((r) => exists(r, { now, trash })).map((r) => r.name);
        const inSql = (await store.items.liveChildren(dir.id, { sort: 'name', order: 'asc', limit: 100, offset: 0, now, trash })).map((r) => r.name).sort();
        expect([now - t, trash, inSql]).toEqual([now - t, trash, inMemory]);
        expect(await store.items.countLiveChildren(dir.id, { now, trash })).toBe(inMemory.length);
        for (const kind of ['file', 'folder'] as const) {
          const filter = compileFilter('size=ge=0', CORE_FIELD_SPECS, 'q');
          expect(await store.items.countLiveChildren(dir.id, { now, trash, kind, filter })).toBe(all.filter((r) => r.kind === kind && exists(r, { now, trash })).length);
        }
      }
    }
  });
});
