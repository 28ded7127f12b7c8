import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorType, type Actor, type Item } from '../src/core/index.js';
import { toObjectId } from '../src/http/shared/ids.js';
import { backends } from './helpers/backends.js';
import { json } from './helpers/http.js';
import { startKura, testClock, type TestClock, type TestKura, type TestUser } from './helpers/kura.js';
import { unzip } from './helpers/zip.js';

/*
 * The one visibility rule, through every face over real HTTP: a file expired, trashed,
 * hidden by an access entry or pending is never shown and never counted, by any listing,
 * search, tree, zip, count, download or public read of any dialect. Table-driven: each
 * state (a row) is applied to fresh subjects, and every probe (a column) must show the file
 * before and must not after, for the readers the state hides it from. The rules themselves
 * are tested on the core (test/core/visibility.test.ts); this is the wire.
 */

/** Who reads: a member of the group space the file is in, the owner of a personal space, or anyone without a token. */
type Reader = 'member' | 'owner' | 'anonymous';

interface Subjects {
  owner: TestUser;
  member: TestUser;
  /** A third user, for entries that hide a personal file from someone. */
  stranger: TestUser;
  /** In a group space: `box/subject.png`; the member shared both, favourited and pinned the file, and signed a link. */
  groupId: number;
  groupRoot: number;
  box: Item;
  shared: Item;
  fileShare: string;
  boxShare: string;
  link: string;
  /** In the owner's personal space, at its top: the files of media, 10Centuries and social. */
  personal: Item;
}

interface HidingState {
  name: string;
  hides: readonly Reader[];
  /** Both files are uploaded to expire this long after they are made. */
  expiresInMs?: number;
  apply(k: TestKura, s: Subjects, clock: TestClock): Promise<void>;
}

const NAME = 'subject.png';
const REF = 'message:1';
const actor = (u: TestUser): Actor => ({ userId: u.id, role: 'user' });

const STATES: HidingState[] = [
  {
    name: 'expired',
    hides: ['member', 'owner', 'anonymous'],
    expiresInMs: 120_000,
    // Nothing is written: every per-node cache keeps what it read, the sweep has not run.
    apply: async (_k, _s, clock) => clock.advance(120_001),
  },
  {
    name: 'trashed',
    hides: ['member', 'owner', 'anonymous'],
    apply: async (k, s) => {
      await k.core.changes.trash(actor(s.owner), s.shared.id);
      await k.core.changes.trash(actor(s.owner), s.personal.id);
    },
  },
  {
    name: 'hidden by an access entry',
    // A space's owner always sees everything; an entry that hides a file from anyone ends its public reads.
    hides: ['member', 'anonymous'],
    apply: async (k, s) => {
      await k.core.acl.add(actor(s.owner), s.shared.id, { actorType: ActorType.USER, actorId: s.member.id, mask: 0 });
      await k.core.acl.add(actor(s.owner), s.personal.id, { actorType: ActorType.USER, actorId: s.stranger.id, mask: 0 });
    },
  },
  {
    name: 'pending',
    hides: ['member', 'owner', 'anonymous'],
    // Nothing makes pending items today (a file before its first version): made by hand in the store.
    apply: async (k, s) => {
      for (const f of [s.shared, s.personal]) await k.core.database.store.items.update(f.id, { version: 0 });
    },
  },
  {
    name: 'private',
    // Made public, then switched off by its owner: people with rights still see it, nobody reads it by id.
    hides: ['anonymous'],
    apply: async (k, s) => {
      for (const f of [s.shared, s.personal]) await k.core.changes.update(actor(s.owner), f.id, { public: false });
    },
  },
];

interface Probe {
  face: string;
  what: string;
  reader: Reader;
  shown(k: TestKura, s: Subjects): Promise<boolean>;
}

/** 2xx: shown; 404 (or the dialect's not-found answer): not shown; anything else fails the test. */
async function answered(res: Response, what: string): Promise<boolean> {
  if (res.status === 404) {
    await res.arrayBuffer();
    return false;
  }
  if (res.status < 200 || res.status > 299) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return true;
}
const ok = async <T>(res: Response, what: string): Promise<T> => {
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return json<T>(res);
};
const bearer = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });
const get = (k: TestKura, path: string, u?: TestUser) => fetch(`${k.url}${path}`, { headers: u ? bearer(u) : {} });
const drive = (k: TestKura, path: string, u: TestUser, q: Record<string, string>) => fetch(`${k.url}/v1/file/${path}?${new URLSearchParams({ UserToken: u.token, ...q })}`);
const onebot = (k: TestKura, u: TestUser, action: string, params: Record<string, unknown>) =>
  fetch(`${k.url}/onebot/${action}`, { method: 'POST', headers: { ...bearer(u), 'content-type': 'application/json' }, body: JSON.stringify(params) });
type Tree = { id: number; children: Tree }[];
const inTree = (t: Tree, id: number): boolean => t.some((n) => n.id === id || inTree(n.children, id));
type DriveTree = { _id: string; Children?: DriveTree }[];
const inDriveTree = (t: DriveTree, oid: string): boolean => t.some((n) => n._id === oid || inDriveTree(n.Children ?? [], oid));

const PROBES: Probe[] = [
  // native /api/v1, as the group's member
  { face: 'native', what: 'item', reader: 'member', shown: async (k, s) => answered(await get(k, `/api/v1/items/${s.shared.id}`, s.member), 'item') },
  { face: 'native', what: 'children', reader: 'member', shown: async (k, s) => (await ok<{ items: Item[] }>(await get(k, `/api/v1/items/${s.box.id}/children`, s.member), 'children')).items.some((i) => i.id === s.shared.id) },
  { face: 'native', what: 'children total', reader: 'member', shown: async (k, s) => (await ok<{ total: number }>(await get(k, `/api/v1/items/${s.box.id}/children?kind=file`, s.member), 'total')).total === 1 },
  { face: 'native', what: 'search', reader: 'member', shown: async (k, s) => (await ok<{ total: number }>(await get(k, `/api/v1/items/${s.box.id}/children?q=${encodeURIComponent('maintype==image')}`, s.member), 'search')).total === 1 },
  { face: 'native', what: 'tree', reader: 'member', shown: async (k, s) => inTree((await ok<{ items: Tree }>(await get(k, `/api/v1/items/${s.groupRoot}/tree`, s.member), 'tree')).items, s.shared.id) },
  { face: 'native', what: 'content', reader: 'member', shown: async (k, s) => answered(await get(k, `/api/v1/items/${s.shared.id}/content`, s.member), 'content') },
  { face: 'native', what: 'shares listed', reader: 'member', shown: async (k, s) => (await ok<{ shares: { itemId: number }[] }>(await get(k, '/api/v1/shares', s.member), 'shares')).shares.some((x) => x.itemId === s.shared.id) },
  { face: 'native', what: 'share download', reader: 'member', shown: async (k, s) => answered(await get(k, `/api/v1/shares/${s.fileShare}/content`), 'share') },
  {
    face: 'native',
    what: 'share zip',
    reader: 'member',
    shown: async (k, s) => (await unzip(Buffer.from(await (await get(k, `/api/v1/shares/${s.boxShare}/content`)).arrayBuffer()))).has(`box/${NAME}`),
  },
  { face: 'native', what: 'favourites', reader: 'member', shown: async (k, s) => (await ok<{ favorites: { itemId: number }[] }>(await get(k, '/api/v1/favorites', s.member), 'favourites')).favorites.some((f) => f.itemId === s.shared.id) },
  { face: 'native', what: 'pins', reader: 'member', shown: async (k, s) => (await ok<{ pins: { itemId: number }[] }>(await get(k, `/api/v1/pins?ref=${encodeURIComponent(REF)}`, s.member), 'pins')).pins.some((p) => p.itemId === s.shared.id) },
  // drive /v1/file, as the member
  { face: 'drive', what: 'info', reader: 'member', shown: async (k, s) => answered(await drive(k, 'info', s.member, { ItemIds: JSON.stringify([toObjectId(s.shared.id)]) }), 'info') },
  { face: 'drive', what: 'exist', reader: 'member', shown: async (k, s) => (await ok<{ Data: boolean }>(await drive(k, 'exist', s.member, { ItemId: toObjectId(s.shared.id) }), 'exist')).Data },
  { face: 'drive', what: 'children', reader: 'member', shown: async (k, s) => (await ok<{ Data: { _id: string }[] }>(await drive(k, 'children', s.member, { FolderId: toObjectId(s.box.id) }), 'children')).Data.some((i) => i._id === toObjectId(s.shared.id)) },
  {
    face: 'drive',
    what: 'search',
    reader: 'member',
    shown: async (k, s) => (await ok<{ Data: { _id: string }[] }>(await drive(k, 'children', s.member, { FolderId: toObjectId(s.box.id), ListParams: JSON.stringify({ Search: `Name==${NAME}` }) }), 'search')).Data.length === 1,
  },
  { face: 'drive', what: 'descendants', reader: 'member', shown: async (k, s) => inDriveTree((await ok<{ Data: DriveTree }>(await drive(k, 'descendants', s.member, { FolderId: toObjectId(s.groupRoot) }), 'tree')).Data, toObjectId(s.shared.id)) },
  { face: 'drive', what: 'download', reader: 'member', shown: async (k, s) => answered(await drive(k, 'download', s.member, { FileId: toObjectId(s.shared.id) }), 'download') },
  { face: 'drive', what: 'share download', reader: 'member', shown: async (k, s) => answered(await fetch(`${k.url}/v1/file/share/download?Id=${s.fileShare}`), 'share') },
  { face: 'drive', what: 'favourites', reader: 'member', shown: async (k, s) => (await ok<{ Data: { FileId: string }[] }>(await drive(k, 'favorite/list', s.member, { ProjectId: toObjectId(s.groupId) }), 'favourites')).Data.some((f) => f.FileId === toObjectId(s.shared.id)) },
  { face: 'drive', what: 'shares listed', reader: 'member', shown: async (k, s) => (await ok<{ Data: { FileId: string }[] }>(await drive(k, 'share/list', s.member, { ProjectId: toObjectId(s.groupId) }), 'shares')).Data.some((f) => f.FileId === toObjectId(s.shared.id)) },
  // onebot, as the member
  {
    face: 'onebot',
    what: 'folder listing',
    reader: 'member',
    shown: async (k, s) => (await ok<{ data: { files: { file_id: string }[] } }>(await onebot(k, s.member, 'get_group_files_by_folder', { group_id: s.groupId, folder_id: String(s.box.id) }), 'listing')).data.files.some((f) => f.file_id === String(s.shared.id)),
  },
  {
    face: 'onebot',
    what: 'folder file count',
    reader: 'member',
    shown: async (k, s) => (await ok<{ data: { folders: { total_file_count: number }[] } }>(await onebot(k, s.member, 'get_group_root_files', { group_id: s.groupId }), 'root')).data.folders[0].total_file_count === 1,
  },
  { face: 'onebot', what: 'file url', reader: 'member', shown: async (k, s) => (await ok<{ retcode: number }>(await onebot(k, s.member, 'get_group_file_url', { group_id: s.groupId, file_id: String(s.shared.id) }), 'url')).retcode === 0 },
  { face: 'onebot', what: 'signed link download', reader: 'member', shown: async (k, s) => answered(await fetch(`${k.url}${s.link}`), 'link') },
  // media /file, as the owner of the personal space (its list shows the caller's own) and without a token
  { face: 'media', what: 'list', reader: 'owner', shown: async (k, s) => (await ok<{ files: { id: string }[] }>(await get(k, '/file/list', s.owner), 'list')).files.some((f) => f.id === toObjectId(s.personal.id)) },
  { face: 'media', what: 'list total with q', reader: 'owner', shown: async (k, s) => (await ok<{ total: number }>(await get(k, `/file/list?q=${encodeURIComponent('maintype==image;size=gt=10')}`, s.owner), 'q')).total === 1 },
  { face: 'media', what: 'download', reader: 'owner', shown: async (k, s) => answered(await get(k, `/file/${toObjectId(s.personal.id)}`, s.owner), 'download') },
  { face: 'media', what: 'by name', reader: 'owner', shown: async (k, s) => answered(await get(k, `/image/${NAME}`, s.owner), 'by name') },
  { face: 'media', what: 'public download', reader: 'anonymous', shown: async (k, s) => answered(await get(k, `/file/${toObjectId(s.personal.id)}`), 'download') },
  { face: 'media', what: 'public thumbnail', reader: 'anonymous', shown: async (k, s) => answered(await get(k, `/file/${toObjectId(s.personal.id)}/thumbnail.jpeg?size=64`), 'thumbnail') },
  // drive's public resource
  { face: 'drive', what: 'public resource', reader: 'anonymous', shown: async (k, s) => answered(await get(k, `/v1/file/resource?Id=${toObjectId(s.personal.id)}`), 'resource') },
  // social /files
  { face: 'social', what: 'public data', reader: 'anonymous', shown: async (k, s) => answered(await get(k, `/files/${s.personal.id}/data`), 'data') },
  { face: 'social', what: 'attribute', reader: 'owner', shown: async (k, s) => answered(await get(k, `/files/${s.personal.id}/attribute`, s.owner), 'attribute') },
  // 10Centuries /files (a deleted file answers as such: shown means a live file object)
  {
    face: 'tencenturies',
    what: 'list',
    reader: 'owner',
    shown: async (k, s) => (await ok<{ data: { file: { id: number } }[] }>(await fetch(`${k.url}/files/`, { headers: { authorization: s.owner.token } }), 'list')).data.some((f) => f.file.id === s.personal.id),
  },
  {
    face: 'tencenturies',
    what: 'file object',
    reader: 'owner',
    shown: async (k, s) => {
      const res = await fetch(`${k.url}/files/${s.personal.id}`, { headers: { authorization: s.owner.token } });
      if (res.status !== 200) return answered(res, 'file');
      return (await ok<{ data: { file: { is_deleted: boolean } }[] }>(res, 'file')).data[0].file.is_deleted === false;
    },
  },
  { face: 'tencenturies', what: 'public cdn', reader: 'anonymous', shown: async (k, s) => answered(await get(k, `/files/cdn/${s.personal.id}.png`), 'cdn') },
];

describe.each(backends)('one visibility rule through every face (%s)', (backend) => {
  let k: TestKura;
  let png: Buffer;
  const clock = testClock();
  let n = 0;
  beforeAll(async () => {
    k = await startKura(backend, {}, { clock });
    png = await sharp({ create: { width: 96, height: 80, channels: 3, background: '#aa3366' } }).png().toBuffer();
  });
  afterAll(() => k.stop());

  const upload = (u: TestUser, folderId: number, expiresInMs?: number) =>
    k.core.uploads.upload(actor(u), folderId, { name: NAME, stream: Readable.from([png]) }, { public: true, ...(expiresInMs === undefined ? {} : { expiresAt: clock.now() + expiresInMs }) });

  async function subjects(expiresInMs?: number): Promise<Subjects> {
    const [owner, member, stranger] = [await k.user(), await k.user(), await k.user()];
    const group = await k.core.spaces.create(actor(owner), { kind: 'group', name: `group ${++n}` });
    await k.core.spaces.setMember(actor(owner), group.id, member.id, 'member');
    const box = await k.core.changes.createFolder(actor(owner), group.rootId, 'box');
    const shared = await upload(owner, box.id, expiresInMs);
    const [fileShare, boxShare] = await k.core.shares.add(actor(member), [shared.id, box.id], { type: 'public' });
    await k.core.favorites.add(actor(member), [{ itemId: shared.id }]);
    await k.core.pins.pin(actor(member), shared.id, REF);
    const l = await k.core.links.sign(actor(member), shared.id);
    const link = `/onebot/download/${l.itemId}?${new URLSearchParams({ user: String(l.userId), expires: String(l.expires), signature: l.signature })}`;
    const personal = await upload(owner, owner.rootId, expiresInMs);
    return { owner, member, stranger, groupId: group.id, groupRoot: group.rootId, box, shared, fileShare: fileShare.token, boxShare: boxShare.token, link, personal };
  }

  /** Public-read and share misses are counted per client, and every probe here comes from 127.0.0.1. */
  const forgetMisses = () => k.core.database.db.deleteFrom('rate_limits').execute();

  describe.each(STATES)('a file $name', (state) => {
    let s: Subjects;
    beforeAll(async () => {
      s = await subjects(state.expiresInMs);
      await forgetMisses();
    });

    it('is shown by every face before', async () => {
      for (const p of PROBES) expect([p.face, p.what, await p.shown(k, s)]).toEqual([p.face, p.what, true]);
    });

    it('is shown and counted by no face after, to the readers it hides from', async () => {
      await state.apply(k, s, clock);
      const applicable = PROBES.filter((p) => state.hides.includes(p.reader));
      for (const p of applicable) expect([p.face, p.what, await p.shown(k, s)]).toEqual([p.face, p.what, false]);
    });
  });
});
