import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { backends, freshPostgresUrl } from '../helpers/backends.js';
import { startCore, type CoreUnderTest, type CoreUser } from '../helpers/core.js';

const stream = (data: string) => Readable.from([Buffer.from(data)]);

/**
 * Private by default (decisions/0032): whether a file is read by id without a credential is
 * its own flag, set when it is made by the face (or caller) that makes it, kept by new
 * versions, copies and moves, switched by who may share it, under the space's master switch.
 */
describe.each(backends)('public reads by id follow each file’s flag (%s)', (backend) => {
  let k: CoreUnderTest;
  let client = 0;
  beforeAll(async () => {
    k = await startCore(backend);
  });
  afterAll(() => k.close());

  /** A public read by a fresh client (misses of one test never limit another): the bytes, or the error's code. */
  const read = async (id: number): Promise<string> => {
    try {
      const body = await k.core.publicReads.content(id, { client: `addr:10.9.0.${++client % 250}` });
      const chunks: Buffer[] = [];
      for await (const c of await body.open()) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString();
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  const upload = (u: CoreUser, name: string, data: string, opts: { public?: boolean; onConflict?: 'version' } = {}, folderId = u.rootId) =>
    k.core.uploads.upload(u.actor, folderId, { name, stream: stream(data) }, opts);

  it('a file is private unless the face that makes it says public', async () => {
    const u = await k.user();
    const plain = await upload(u, 'plain.txt', 'mine');
    const open = await upload(u, 'open.txt', 'for all', { public: true });
    expect([plain.public, open.public]).toEqual([false, true]);
    expect(await read(plain.id)).toBe('not_found');
    expect(await read(open.id)).toBe('for all');
    // Many files at once take the same flag.
    const many = await k.core.uploads.uploadMany(u.actor, u.rootId, [{ name: 'a.txt', stream: stream('a') }, { name: 'b.txt', stream: stream('b') }], { public: true });
    expect(await Promise.all(many.map((i) => read(i.id)))).toEqual(['a', 'b']);
    // Signed-in reads do not depend on it.
    expect((await k.core.content.content(u.actor, plain.id)).size).toBe(4);
  });

  it('a private file counts as a miss, like an unknown id', async () => {
    const u = await k.user();
    const plain = await upload(u, 'plain.txt', 'mine');
    const counted = async () => (await k.core.database.db.selectFrom('rate_limits').select('count').where('key', 'like', '%10.8.8.8%').execute()).reduce((n, r) => n + Number(r.count), 0);
    await expect(k.core.publicReads.content(plain.id, { client: 'addr:10.8.8.8' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.publicReads.item(plain.id, { client: 'addr:10.8.8.8' })).rejects.toMatchObject({ code: 'not_found' });
    expect(await counted()).toBe(2);
  });

  it('resumable uploads keep the flag asked at the start, whoever completes them', async () => {
    const u = await k.user();
    const spec = (key: string, isPublic?: boolean) => ({ key, target: { folderId: u.rootId, name: `${key}.bin` }, length: 4, public: isPublic });
    await k.core.resumable.open(u.actor, spec('open', true));
    // The slice that completes it comes without the flag (the native API's PUT): the session's counts.
    const done = await k.core.resumable.append(u.actor, 'open', 0, stream('0123'));
    expect(done.done && done.item.public).toBe(true);
    expect(await read(done.done ? done.item.id : 0)).toBe('0123');
    const closed = await k.core.resumable.slice(u.actor, spec('closed'), 0, stream('4567'));
    expect(closed.done && closed.item.public).toBe(false);
    expect(await read(closed.done ? closed.item.id : 0)).toBe('not_found');
  });

  it('social uploads and slots make public files', async () => {
    const u = await k.user();
    const unpinned = await k.core.slots.uploadUnpinned(u.actor, { name: 'clip.txt', stream: stream('clip') }, { public: true });
    expect(unpinned.public).toBe(true);
    expect(await read(unpinned.id)).toBe('clip');
    const quiet = await k.core.slots.uploadUnpinned(u.actor, { name: 'quiet.txt', stream: stream('quiet') }, {});
    expect(await read(quiet.id)).toBe('not_found');
  });

  it('a new version keeps its file’s flag, whatever the upload that brings it says', async () => {
    const u = await k.user();
    const open = await upload(u, 'open.txt', 'v1', { public: true });
    const plain = await upload(u, 'plain.txt', 'v1');
    expect((await k.core.uploads.uploadVersion(u.actor, open.id, stream('v2'))).public).toBe(true);
    expect(await read(open.id)).toBe('v2');
    // An upload onto the name with onConflict=version is a new version too: the flag stays.
    const again = await upload(u, 'plain.txt', 'v2', { public: true, onConflict: 'version' });
    expect(again).toMatchObject({ id: plain.id, version: 2, public: false });
    expect(await read(plain.id)).toBe('not_found');
  });

  it('copies keep their source’s flag (each file of a folder its own); moves and the trash keep it', async () => {
    const u = await k.user();
    const folder = await k.core.changes.createFolder(u.actor, u.rootId, 'album');
    const open = await upload(u, 'open.txt', 'open', { public: true }, folder.id);
    const plain = await upload(u, 'plain.txt', 'plain', {}, folder.id);
    const copy = await k.core.changes.copy(u.actor, open.id, u.rootId);
    expect(copy.public).toBe(true);
    expect(await read(copy.id)).toBe('open');
    expect((await k.core.changes.copy(u.actor, plain.id, u.rootId)).public).toBe(false);
    const tree = await k.core.changes.copy(u.actor, folder.id, u.rootId, { name: 'album 2' });
    const copied = (await k.core.items.children(u.actor, tree.id)).items;
    expect(Object.fromEntries(copied.map((i) => [i.name, i.public]))).toEqual({ 'open.txt': true, 'plain.txt': false });
    expect(tree.public).toBe(false);
    const group = await k.core.spaces.create(u.actor, { kind: 'group', name: 'g' });
    expect((await k.core.changes.move(u.actor, open.id, group.rootId)).public).toBe(true);
    expect(await read(open.id)).toBe('open');
    await k.core.changes.trash(u.actor, open.id);
    expect(await read(open.id)).toBe('not_found');
    expect((await k.core.trash.restore(u.actor, open.id)).public).toBe(true);
    expect(await read(open.id)).toBe('open');
  });

  it('the space’s switch is the master switch: off, not even public files are read by id', async () => {
    const u = await k.user();
    const open = await upload(u, 'open.txt', 'open', { public: true });
    expect(await read(open.id)).toBe('open');
    await k.core.spaces.setPublicLinks(u.actor, u.spaceId, false);
    expect(await read(open.id)).toBe('not_found');
    // The file keeps its flag: switched on again, it is served again.
    expect((await k.core.items.get(u.actor, open.id)).public).toBe(true);
    await k.core.spaces.setPublicLinks(u.actor, u.spaceId, true);
    expect(await read(open.id)).toBe('open');
  });

  it('who may share a file switches it; not a change of the file itself', async () => {
    const owner = await k.user();
    const member = await k.user();
    const viewer = await k.user();
    const stranger = await k.user();
    const space = await k.core.spaces.create(owner.actor, { kind: 'project', name: 'p' });
    await k.core.spaces.setMember(owner.actor, space.id, member.id, 'member');
    await k.core.spaces.setMember(owner.actor, space.id, viewer.id, 'viewer');
    const f = await k.core.uploads.upload(owner.actor, space.rootId, { name: 'doc.txt', stream: stream('doc') });
    expect(await read(f.id)).toBe('not_found');
    k.clock.advance(60_000);
    const on = await k.core.changes.update(owner.actor, f.id, { public: true });
    expect(on).toMatchObject({ public: true, modifiedAt: f.modifiedAt, modifiedBy: f.modifiedBy });
    expect(await read(f.id)).toBe('doc');
    // Off again: served no more at once (the node's cached hit goes with the write).
    await k.core.changes.update(member.actor, f.id, { public: false });
    expect(await read(f.id)).toBe('not_found');
    await expect(k.core.changes.update(viewer.actor, f.id, { public: true })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(k.core.changes.update(stranger.actor, f.id, { public: true })).rejects.toMatchObject({ code: 'not_found' });
    await expect(k.core.changes.update(owner.actor, f.id, { public: 'yes' })).rejects.toMatchObject({ code: 'bad_request', details: { field: 'public' } });
    await expect(k.core.changes.update(owner.actor, space.rootId, { public: true })).rejects.toMatchObject({ code: 'bad_request' });
    // A refused change changes nothing.
    expect(await read(f.id)).toBe('not_found');
    expect((await k.core.items.get(owner.actor, f.id)).public).toBe(false);
    // With other fields, those are an edit (and need their rights); the flag goes with them.
    const both = await k.core.changes.update(owner.actor, f.id, { public: true, description: 'shared' });
    expect(both).toMatchObject({ public: true, description: 'shared' });
    expect(both.modifiedAt).toBeGreaterThan(f.modifiedAt);
  });
});

/** Migration 0019: what a public face can be told to have made stays public, the rest becomes private. */
describe.each(backends)('migration to per-file public reads (%s)', (backend) => {
  it('keeps project files, social files and 10Centuries CDN files public; makes the rest private', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kura-migrate-'));
    const databaseUrl = backend === 'postgres' ? await freshPostgresUrl() : undefined;
    const db = new Kysely<any>({ // eslint-disable-line @typescript-eslint/no-explicit-any
      dialect: databaseUrl ? new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 2 }) }) : new SqliteDialect({ database: new SQLite(join(dataDir, 'kura.db')) }),
    });
    const files: Record<string, number> = {};
    try {
      const r = await new Migrator({ db, provider: migrationProvider }).migrateTo('0017_in_flight');
      expect(r.error).toBeUndefined();
      await db.insertInto('users').values({ id: 1, username: 'old', password_hash: 'x', role: 'user', created_at: 1 }).execute();
      const spaces = { personal: 10, project: 11, group: 12, chat_room: 13 };
      for (const [kind, id] of Object.entries(spaces)) {
        await db.insertInto('spaces').values({ id, kind, name: kind, owner_id: 1, root_id: id * 100, created_at: 1 }).execute();
      }
      const hash = (c: string) => c.repeat(64);
      for (const c of 'abcdefghij') await db.insertInto('blobs').values({ hash: hash(c), size: 1, mime: 'image/jpeg', refcount: 1, touched_at: 1, created_at: 1 }).execute();
      let next = 5000;
      const item = async (space: number, parent: number | null, name: string, kind: 'file' | 'folder', extra: Record<string, unknown> = {}) => {
        const id = next++;
        await db.insertInto('items').values({ id, space_id: space, parent_id: parent, name, kind, created_by: 1, created_at: 1, modified_by: 1, modified_at: 1, ...extra }).execute();
        return id;
      };
      for (const id of Object.values(spaces)) await db.insertInto('items').values({ id: id * 100, space_id: id, parent_id: null, name: '', kind: 'folder', created_by: 1, created_at: 1, modified_by: 1, modified_at: 1 }).execute();
      const file = async (label: string, space: number, parent: number, c: string) => (files[label] = await item(space, parent, `${label}.jpg`, 'file', { blob_hash: hash(c), size: 1, mime: 'image/jpeg', version: 1 }));
      const social = await item(spaces.personal, 1000, 'Social', 'folder', { system: 1 });
      const notSocial = await item(spaces.personal, 1000, 'Social', 'folder', { system: 0, trashed_at: 1, trash_root: 1 });
      const roomSocial = await item(spaces.chat_room, 1300, 'Social', 'folder', { system: 1 });
      const sub = await item(spaces.personal, 1000, 'album', 'folder');
      await file('project', spaces.project, 1100, 'a');
      await file('socialUpload', spaces.personal, social, 'b');
      await file('roomCover', spaces.chat_room, roomSocial, 'c');
      await file('slotMovedAway', spaces.personal, sub, 'd');
      await db.insertInto('pins').values({ item_id: files.slotMovedAway, ref: 'slot:user:1:avatar', owner_id: 1, slot: 1, created_at: 1 }).execute();
      await file('unpinnedMovedAway', spaces.group, 1200, 'e');
      await db.insertInto('pin_policies').values({ item_id: files.unpinnedMovedAway, ttl_ms: 1000 }).execute();
      await file('cdnCopy', spaces.personal, 1000, 'f');
      await db.insertInto('derivatives').values({ source_hash: hash('f'), spec: 'fitw-960', blob_hash: hash('j'), created_at: 1 }).execute();
      await file('personalTop', spaces.personal, 1000, 'g');
      await db.insertInto('derivatives').values({ source_hash: hash('g'), spec: 'long-256', blob_hash: hash('j'), created_at: 1 }).execute();
      await file('cdnContentInSubfolder', spaces.personal, sub, 'f');
      await file('group', spaces.group, 1200, 'h');
      await file('roomOther', spaces.chat_room, 1300, 'i');
      await file('inPlainFolderNamedSocial', spaces.personal, notSocial, 'i');
      const session = { user_id: 1, name: 'f', state: 'open', length: 1, reserved: 1, created_at: 1, updated_at: 1, expires_at: 2 };
      await db.insertInto('upload_sessions').values({ ...session, id: 'a'.repeat(32), client_key: 'to-project', space_id: spaces.project, parent_id: 1100 }).execute();
      await db.insertInto('upload_sessions').values({ ...session, id: 'b'.repeat(32), client_key: 'to-personal', space_id: spaces.personal, parent_id: 1000 }).execute();
    } finally {
      await db.destroy();
    }
    const opened = await openDatabase({ dataDir, databaseUrl });
    try {
      const flags: Record<string, number> = {};
      for (const [label, id] of Object.entries(files)) flags[label] = Number((await opened.store.items.byId(id))!.public_read);
      expect(flags).toEqual({
        project: 1,
        socialUpload: 1,
        roomCover: 1,
        slotMovedAway: 1,
        unpinnedMovedAway: 1,
        cdnCopy: 1,
        personalTop: 0,
        cdnContentInSubfolder: 0,
        group: 0,
        roomOther: 0,
        inPlainFolderNamedSocial: 0,
      });
      // Folders are never public.
      expect(Number((await opened.store.items.byId(1000))!.public_read)).toBe(0);
      expect(Number((await opened.store.uploads.byKey(1, 'to-project'))!.public_read)).toBe(1);
      expect(Number((await opened.store.uploads.byKey(1, 'to-personal'))!.public_read)).toBe(0);
    } finally {
      await opened.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
