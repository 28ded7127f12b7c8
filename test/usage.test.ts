import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.js';
import { blobOf, json, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';

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
    expect(held.usage).toEqual({ bytes: 4000, files: 0 });
    expect((await usageOf(space.id)).audio).toEqual({ bytes: 0, files: 0 });
    expect(await k.core.usage.verify()).toEqual([]);
    const put = await fetch(`${k.url}/api/v1/uploads/ledger-1?offset=0`, { method: 'PUT', headers: { ...u.auth, 'content-type': 'application/octet-stream' }, body: new Uint8Array(wav(4000)) });
    expect(put.status).toBe(201);
    expect((await usageOf(space.id)).audio).toEqual({ bytes: 4000, files: 1 });
    expect((await json(await call('GET', `/spaces/${space.id}`))).usage).toEqual({ bytes: 4000, files: 1 });
    expect(await k.core.usage.verify()).toEqual([]);
  });
});
