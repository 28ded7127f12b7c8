import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/db.js';
import { migrationProvider } from '../src/store/migrations/index.js';
import { backends, freshPostgresUrl } from './helpers/backends.js';
import { blobOf, bytes, json, uploadOne } from './helpers/http.js';
import { startKura, testClock, type TestClock, type TestKura, type TestUser } from './helpers/kura.js';

const wav = (n: number) => Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WAVEfmt '), Buffer.alloc(n - 16, 1)]);
const mp4 = (n: number) => Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2avc1mp41'), Buffer.alloc(n - 32, 2)]);
const text = (n: number, c = 'x') => Buffer.from(c.repeat(n));

/**
 * The usage ledger: bytes and files per space and per category, changed in the same
 * transaction as every write, so a recount always agrees — also under concurrent writes.
 */
describe.each(backends)('usage ledger (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let jpeg: Buffer;
  const call = (method: string, path: string, b?: unknown) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...u.auth, ...(b === undefined ? {} : { 'content-type': 'application/json' }) }, body: b === undefined ? undefined : JSON.stringify(b) });
  const usageOf = (spaceId: number) => k.core.usage.ofSpace(spaceId);

  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } }).jpeg().toBuffer();
  });
  afterAll(() => k.stop());

  it('counts each upload in its category, by the sniffed type', async () => {
    const space = await json(await call('POST', '/spaces', { kind: 'group', name: 'media' }));
    await uploadOne(k.url, u.auth, space.rootId, 'photo.txt', jpeg); // the name lies; the bytes decide
    await uploadOne(k.url, u.auth, space.rootId, 'song.wav', wav(1000));
    await uploadOne(k.url, u.auth, space.rootId, 'clip.mp4', mp4(2000));
    await uploadOne(k.url, u.auth, space.rootId, 'notes.txt', text(300));
    expect(await usageOf(space.id)).toEqual({
      image: { bytes: jpeg.length, files: 1 },
      audio: { bytes: 1000, files: 1 },
      video: { bytes: 2000, files: 1 },
      other: { bytes: 300, files: 1 },
    });
    const all = await k.core.usage.all();
    expect(all.video.bytes).toBeGreaterThanOrEqual(2000);
    expect(await k.core.usage.verify()).toEqual([]);
  });

  it('follows versions, copies, moves across spaces, the trash and purges', async () => {
    const a = await json(await call('POST', '/spaces', { kind: 'group', name: 'a' }));
    const b = await json(await call('POST', '/spaces', { kind: 'group', name: 'b' }));
    const f = await uploadOne(k.url, u.auth, a.rootId, 'thing', text(100));
    // A new version whose content is an image: the file moves to images, both versions count.
    const form = new FormData();
    form.append('file', blobOf(jpeg), 'thing');
    expect((await fetch(`${k.url}/api/v1/items/${f.id}/versions`, { method: 'POST', headers: u.auth, body: form })).status).toBe(201);
    expect(await usageOf(a.id)).toMatchObject({ image: { bytes: jpeg.length, files: 1 }, other: { bytes: 100, files: 0 } });
    // A copy counts its current content in full in the destination.
    expect((await call('POST', `/items/${f.id}/copy`, { parentId: b.rootId })).status).toBe(201);
    expect(await usageOf(b.id)).toMatchObject({ image: { bytes: jpeg.length, files: 1 } });
    // A folder moved to another space takes its usage along, every version of it.
    const dir = (await json(await call('POST', `/items/${a.rootId}/children`, { name: 'dir', kind: 'folder' }))).items[0];
    await uploadOne(k.url, u.auth, dir.id, 'song.wav', wav(500));
    expect((await call('POST', `/items/${f.id}/move`, { parentId: dir.id })).status).toBe(200);
    expect((await call('POST', `/items/${dir.id}/move`, { parentId: b.rootId })).status).toBe(200);
    expect(await usageOf(a.id)).toEqual({ image: { bytes: 0, files: 0 }, audio: { bytes: 0, files: 0 }, video: { bytes: 0, files: 0 }, other: { bytes: 0, files: 0 } });
    expect(await usageOf(b.id)).toMatchObject({ image: { bytes: 2 * jpeg.length, files: 2 }, other: { bytes: 100, files: 0 }, audio: { bytes: 500, files: 1 } });
    // The trash still counts; a purge gives it back.
    expect((await call('DELETE', `/items/${dir.id}`)).status).toBe(204);
    expect((await usageOf(b.id)).audio).toEqual({ bytes: 500, files: 1 });
    expect((await call('DELETE', `/spaces/${b.id}/trash/${dir.id}`)).status).toBe(204);
    expect(await usageOf(b.id)).toMatchObject({ image: { bytes: jpeg.length, files: 1 }, audio: { bytes: 0, files: 0 }, other: { bytes: 0, files: 0 } });
    expect(await k.core.usage.verify()).toEqual([]);
  });

  it('stays exact under concurrent uploads, deletes and purges', async () => {
    const space = await json(await call('POST', '/spaces', { kind: 'group', name: 'busy' }));
    const made = await Promise.all(
      Array.from({ length: 24 }, (_, i) => uploadOne(k.url, u.auth, space.rootId, `f${i}`, i % 3 === 0 ? jpeg : i % 3 === 1 ? wav(700 + i) : text(50 + i, String.fromCharCode(97 + (i % 26))))),
    );
    await Promise.all([
      ...made.slice(0, 12).map(async (f) => {
        expect((await call('DELETE', `/items/${f.id}`)).status).toBe(204);
        expect((await call('DELETE', `/spaces/${space.id}/trash/${f.id}`)).status).toBe(204);
      }),
      ...Array.from({ length: 12 }, (_, i) => uploadOne(k.url, u.auth, space.rootId, `g${i}`, i % 2 ? mp4(3000 + i) : text(10 + i))),
    ]);
    expect(await k.core.usage.verify()).toEqual([]);
    const usage = await usageOf(space.id);
    const s = await json(await call('GET', `/spaces/${space.id}`));
    expect(s.usage.files).toBe(24);
    expect(Object.values(usage).reduce((n, c) => n + c.files, 0)).toBe(24);
    expect(Object.values(usage).reduce((n, c) => n + c.bytes, 0)).toBe(s.usage.bytes);
    expect((await k.core.fsck()).problems).toEqual([]);
  });

  it('a resumable upload holds its bytes outside every category until it completes', async () => {
    const space = await json(await call('POST', '/spaces', { kind: 'group', name: 'resumable' }));
    expect((await call('POST', '/uploads', { key: 'ledger-1', folderId: space.rootId, name: 'big.wav', length: 4000 })).status).toBe(201);
    const held = await json(await call('GET', `/spaces/${space.id}`));
    expect(held.usage).toEqual({ bytes: 0, files: 0, reserved: 4000, reservedFiles: 1 });
    expect((await usageOf(space.id)).audio).toEqual({ bytes: 0, files: 0 });
    expect(await k.core.usage.verify()).toEqual([]);
    const put = await fetch(`${k.url}/api/v1/uploads/ledger-1?offset=0`, { method: 'PUT', headers: { ...u.auth, 'content-type': 'application/octet-stream' }, body: new Uint8Array(wav(4000)) });
    expect(put.status).toBe(201);
    expect((await usageOf(space.id)).audio).toEqual({ bytes: 4000, files: 1 });
    expect((await json(await call('GET', `/spaces/${space.id}`))).usage).toEqual({ bytes: 4000, files: 1, reserved: 0, reservedFiles: 0 });
    expect(await k.core.usage.verify()).toEqual([]);
  });
});

/**
 * Usage is what is stored; what unfinished uploads hold is shown beside it and counted by
 * the quota with it, until they complete, are cancelled or sit idle past their expiry.
 */
describe.each(backends)('usage and reservations (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let admin: TestUser;
  let clock: TestClock;
  const space = async (id: number) => json(await fetch(`${k.url}/api/v1/spaces/${id}`, { headers: u.auth }));
  const put = (key: string, offset: number, data: Buffer) =>
    fetch(`${k.url}/api/v1/uploads/${key}?offset=${offset}`, { method: 'PUT', headers: { ...u.auth, 'content-type': 'application/octet-stream' }, body: new Uint8Array(data) });
  const open = (spaceRoot: number, key: string, length: number) =>
    fetch(`${k.url}/api/v1/uploads`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ key, folderId: spaceRoot, name: `${key}.bin`, length }) });

  beforeAll(async () => {
    clock = testClock();
    k = await startKura(backend, {}, { clock });
    // Only the tests move time and run the expiry.
    await k.core.jobs.stop();
    u = await k.user();
    admin = await k.user(undefined, { admin: true });
  });
  afterAll(() => k.stop());

  it('an abandoned upload is never counted as stored; the quota counts it; idle past its expiry it gives its reservation back', async () => {
    const s = await json(await fetch(`${k.url}/api/v1/spaces`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'group', name: 'abandoned' }) }));
    await k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, s.id, { bytes: 10_000 });
    expect((await open(s.rootId, 'abandoned-1', 6000)).status).toBe(201);
    expect((await put('abandoned-1', 0, bytes(1000, 1))).status).toBe(200);
    // The client goes away (a killed node, a closed laptop): nothing of it is stored.
    expect((await space(s.id)).usage).toEqual({ bytes: 0, files: 0, reserved: 6000, reservedFiles: 1 });
    // The quota counts both.
    const big = new FormData();
    big.append('file', blobOf(bytes(5000, 2)), 'big.bin');
    expect((await fetch(`${k.url}/api/v1/items/${s.rootId}/children`, { method: 'POST', headers: u.auth, body: big })).status).toBe(507);
    await uploadOne(k.url, u.auth, s.rootId, 'fits.bin', bytes(4000, 3));
    expect((await space(s.id)).usage).toEqual({ bytes: 4000, files: 1, reserved: 6000, reservedFiles: 1 });
    expect(await k.core.usage.verify()).toEqual([]);
    // What other dialects show as used space is what is stored.
    expect((await k.core.usage.ofSpace(s.id)).other).toEqual({ bytes: 4000, files: 1 });
    // Idle past its expiry: the periodic job gives it back.
    clock.advance(k.config.uploadSessionSeconds * 1000 + 1000);
    await k.core.gc();
    expect((await space(s.id)).usage).toEqual({ bytes: 4000, files: 1, reserved: 0, reservedFiles: 0 });
    expect((await fetch(`${k.url}/api/v1/uploads/abandoned-1`, { headers: u.auth })).status).toBe(404);
    expect(await k.core.usage.verify()).toEqual([]);
  });

  it('verify tells reservations apart from stored bytes', async () => {
    const s = await json(await fetch(`${k.url}/api/v1/spaces`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'group', name: 'drift' }) }));
    expect((await open(s.rootId, 'drift-1', 700)).status).toBe(201);
    // Reservations folded into the stored bytes (what Kura did before) are drift.
    await k.core.database.db.updateTable('spaces').set({ used_bytes: 700, reserved_bytes: 0 }).where('id', '=', s.id).execute();
    const drift = await k.core.usage.verify();
    expect(drift.map((d) => d.spaceId)).toEqual([s.id, s.id]);
    expect(drift.map((d) => d.detail).join('\n')).toMatch(/stored: 700 bytes.*recount 0[\s\S]*reserved: 0 bytes.*hold 700/);
    await k.core.database.db.updateTable('spaces').set({ used_bytes: 0, reserved_bytes: 700 }).where('id', '=', s.id).execute();
    expect(await k.core.usage.verify()).toEqual([]);
    expect((await k.core.fsck()).problems).toEqual([]);
  });
});

/** Migration 0016: reservations that were folded into used_bytes move to reserved_bytes. */
describe.each(backends)('usage migration to stored and reserved (%s)', (backend) => {
  it('moves open sessions\' reservations out of the stored bytes', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kura-migrate-'));
    const databaseUrl = backend === 'postgres' ? await freshPostgresUrl() : undefined;
    const db = new Kysely<any>({ // eslint-disable-line @typescript-eslint/no-explicit-any
      dialect: databaseUrl ? new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 2 }) }) : new SqliteDialect({ database: new SQLite(join(dataDir, 'kura.db')) }),
    });
    try {
      const r = await new Migrator({ db, provider: migrationProvider }).migrateTo('0014_leases');
      expect(r.error).toBeUndefined();
      await db.insertInto('users').values({ id: 1, username: 'old', password_hash: 'x', role: 'user', created_at: 1 }).execute();
      await db.insertInto('spaces').values({ id: 10, kind: 'group', name: 'g', owner_id: 1, used_bytes: 4000 + 3000 + 500, used_files: 1, created_at: 1 }).execute();
      await db.insertInto('spaces').values({ id: 11, kind: 'group', name: 'h', owner_id: 1, used_bytes: 42, used_files: 1, created_at: 1 }).execute();
      const session = { user_id: 1, space_id: 10, name: 'f', state: 'open', created_at: 1, updated_at: 1, expires_at: 2 };
      await db.insertInto('upload_sessions').values({ ...session, id: 'a'.repeat(32), client_key: 'a', length: 3000, reserved: 3000 }).execute();
      await db.insertInto('upload_sessions').values({ ...session, id: 'b'.repeat(32), client_key: 'b', length: 500, reserved: 500, protocol: 'tus' }).execute();
    } finally {
      await db.destroy();
    }
    const opened = await openDatabase({ dataDir, databaseUrl });
    try {
      expect(await opened.store.spaces.byId(10)).toMatchObject({ used_bytes: 4000, used_files: 1, reserved_bytes: 3500, reserved_files: 0 });
      expect(await opened.store.spaces.byId(11)).toMatchObject({ used_bytes: 42, reserved_bytes: 0, reserved_files: 0 });
      expect(await opened.store.uploads.byKey(1, 'a')).toMatchObject({ reserved: 3000, reserved_files: 0 });
    } finally {
      await opened.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
