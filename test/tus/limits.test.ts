import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { bytes, json, uploadOne } from '../helpers/http.js';
import { startKura, testClock, type TestClock, type TestKura, type TestUser } from '../helpers/kura.js';
import { create, metadata, patch, tusFetch } from '../helpers/tus.js';

const MiB = 1024 * 1024;

/**
 * What one tus client may hold: bytes of an upload whose length is deferred count against
 * the quota as they arrive (and stop at it), a full file quota refuses the creation, and
 * each user holds a bounded number of unfinished uploads and bytes.
 */
describe.each(backends)('tus limits (%s)', (backend) => {
  let k: TestKura;
  let admin: TestUser;
  let clock: TestClock;
  const usage = async (u: TestUser, spaceId = u.spaceId) => (await k.core.spaces.get({ userId: u.id, role: 'user' }, spaceId)).usage;
  const quota = (spaceId: number, q: { bytes?: number; files?: number }) => k.core.spaces.setQuota({ userId: admin.id, role: 'admin' }, spaceId, q);
  const pieces = async () => Number((await k.core.database.db.selectFrom('upload_pieces').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const error = async (r: Response) => (await json(r)).error;

  beforeAll(async () => {
    clock = testClock();
    k = await startKura(backend, { UPLOAD_MAX_BYTES: '1MiB', KURA_UPLOAD_SESSIONS_PER_USER: '3', KURA_UPLOAD_PENDING_BYTES_PER_USER: '2MiB' }, { clock });
    // Only the tests move time and drop sessions.
    await k.core.jobs.stop();
    admin = await k.user(undefined, { admin: true });
  });
  afterAll(() => k?.stop());

  it('a deferred length: bytes past the quota are refused while they arrive and kept nowhere; a length that does not fit changes nothing', async () => {
    const u = await k.user();
    await quota(u.spaceId, { bytes: 100_000 });
    const data = bytes(100_000, 31);
    const { url, res } = await create(k.url, u.auth, { 'upload-defer-length': '1', 'upload-metadata': metadata({ filename: 'deferred.bin' }) });
    expect(res.status).toBe(201);
    const before = await pieces();
    // 900 KB into a 100 KB quota: refused, nothing recorded, nothing held.
    const big = await patch(url, u.auth, 0, bytes(900_000, 32));
    expect(big.status).toBe(413);
    expect((await error(big)).code).toBe('quota_exceeded');
    expect((await tusFetch(url, u.auth, 'HEAD')).headers.get('upload-offset')).toBe('0');
    expect(await pieces()).toBe(before);
    expect(await usage(u)).toMatchObject({ bytes: 0, reserved: 0 });
    // What fits is taken and held against the quota as it arrives.
    expect((await patch(url, u.auth, 0, data.subarray(0, 60_000))).status).toBe(204);
    expect(await usage(u)).toMatchObject({ bytes: 0, reserved: 60_000 });
    // A plain upload cannot take the room those bytes hold.
    const plain = new FormData();
    plain.append('file', new Blob([new Uint8Array(bytes(50_000, 33))]), 'plain.bin');
    expect((await fetch(`${k.url}/api/v1/items/${u.rootId}/children`, { method: 'POST', headers: u.auth, body: plain })).status).toBe(507);
    // A length over the quota is refused; the upload stays as it was.
    const long = await patch(url, u.auth, 60_000, data.subarray(60_000, 70_000), { 'upload-length': '200000' });
    expect(long.status).toBe(413);
    let head = await tusFetch(url, u.auth, 'HEAD');
    expect(head.headers.get('upload-defer-length')).toBe('1');
    expect(head.headers.get('upload-offset')).toBe('60000');
    expect(await usage(u)).toMatchObject({ bytes: 0, reserved: 60_000 });
    // A chunk running past the room left is refused whole.
    expect((await patch(url, u.auth, 60_000, bytes(50_000, 34))).status).toBe(413);
    expect((await tusFetch(url, u.auth, 'HEAD')).headers.get('upload-offset')).toBe('60000');
    // The length that fits, with the rest: the file.
    const last = await patch(url, u.auth, 60_000, data.subarray(60_000), { 'upload-length': '100000' });
    expect(last.status).toBe(204);
    expect(last.headers.get('kura-item-id')).not.toBeNull();
    head = await tusFetch(url, u.auth, 'HEAD');
    expect(head.headers.get('upload-length')).toBe('100000');
    expect(await usage(u)).toEqual({ bytes: 100_000, files: 1, reserved: 0, reservedFiles: 0 });
    expect(await k.core.usage.verify()).toEqual([]);
  });

  it('a deferred length: bytes past UPLOAD_MAX_BYTES are refused while they arrive', async () => {
    const u = await k.user();
    const { url } = await create(k.url, u.auth, { 'upload-defer-length': '1', 'upload-metadata': metadata({ filename: 'huge.bin' }) });
    const r = await patch(url, u.auth, 0, bytes(MiB + 1, 35));
    expect(r.status).toBe(413);
    expect((await error(r)).code).toBe('payload_too_large');
    expect((await tusFetch(url, u.auth, 'HEAD')).headers.get('upload-offset')).toBe('0');
    expect(await usage(u)).toMatchObject({ bytes: 0, reserved: 0 });
  });

  it('a full file quota refuses the creation, not the last byte; an open upload holds its file reservation', async () => {
    const u = await k.user();
    await quota(u.spaceId, { files: 1 });
    await uploadOne(k.url, u.auth, u.rootId, 'only.txt', 'the one file');
    const full = await create(k.url, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 'second.txt' }) });
    expect(full.res.status).toBe(413);
    expect((await error(full.res)).code).toBe('quota_exceeded');
    // A new version of the existing file needs no slot.
    const version = await create(k.url, u.auth, { 'upload-length': '3', 'upload-metadata': metadata({ filename: 'only.txt', onConflict: 'version' }) }, 'two');
    expect(version.res.status).toBe(201);
    expect(version.res.headers.get('kura-item-id')).not.toBeNull();
    // Partial uploads make no file; their final does, and is refused before any byte is copied.
    const part = await create(k.url, u.auth, { 'upload-length': '4', 'upload-concat': 'partial' }, 'part');
    expect(part.res.status).toBe(201);
    const final = await create(k.url, u.auth, { 'upload-concat': `final;${part.url}`, 'upload-metadata': metadata({ filename: 'joined.txt' }) });
    expect(final.res.status).toBe(413);
    expect((await tusFetch(part.url, u.auth, 'HEAD')).status).toBe(200);
    // With one slot free, an open upload holds it: a plain upload or a second upload is refused.
    await quota(u.spaceId, { files: 2 });
    const open = await create(k.url, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 'held.txt' }) });
    expect(open.res.status).toBe(201);
    expect(await usage(u)).toMatchObject({ files: 1, reservedFiles: 1 });
    const plain = new FormData();
    plain.append('file', new Blob(['x']), 'plain.txt');
    expect((await fetch(`${k.url}/api/v1/items/${u.rootId}/children`, { method: 'POST', headers: u.auth, body: plain })).status).toBe(507);
    expect((await create(k.url, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 'third.txt' }) })).res.status).toBe(413);
    // The slot is the upload's: it completes.
    const done = await patch(open.url, u.auth, 0, '0123456789');
    expect(done.status).toBe(204);
    expect(done.headers.get('kura-item-id')).not.toBeNull();
    expect(await usage(u)).toMatchObject({ files: 2, reservedFiles: 0 });
    expect(await k.core.usage.verify()).toEqual([]);
  });

  it('caps the unfinished uploads one user holds, and their bytes together', async () => {
    const u = await k.user();
    const other = await k.user();
    const urls: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await create(k.url, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: `s${i}.bin` }) });
      expect(c.res.status).toBe(201);
      urls.push(c.url);
    }
    const fourth = await create(k.url, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 's3.bin' }) });
    expect(fourth.res.status).toBe(413);
    expect(await error(fourth.res)).toMatchObject({ code: 'quota_exceeded', details: { limit: 'sessions', max: 3 } });
    expect(fourth.res.headers.get('location')).toBeNull();
    // Another user is not affected; a finished or terminated upload frees its place.
    expect((await create(k.url, other.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 'x.bin' }) })).res.status).toBe(201);
    expect((await patch(urls[0], u.auth, 0, '0123456789')).status).toBe(204);
    expect((await tusFetch(urls[1], u.auth, 'DELETE')).status).toBe(204);
    const again = await create(k.url, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 's4.bin' }) });
    expect(again.res.status).toBe(201);
    expect((await create(k.url, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 's5.bin' }) })).res.status).toBe(201);
    expect((await create(k.url, u.auth, { 'upload-length': '10', 'upload-metadata': metadata({ filename: 's6.bin' }) })).res.status).toBe(413);

    // Bytes: 2 MiB together, declared lengths and deferred bytes alike.
    const b = await k.user();
    expect((await create(k.url, b.auth, { 'upload-length': String(700_000), 'upload-metadata': metadata({ filename: 'a.bin' }) })).res.status).toBe(201);
    expect((await create(k.url, b.auth, { 'upload-length': String(MiB), 'upload-metadata': metadata({ filename: 'b.bin' }) })).res.status).toBe(201);
    const over = await create(k.url, b.auth, { 'upload-length': String(2 * MiB - 700_000 - MiB + 1), 'upload-metadata': metadata({ filename: 'c.bin' }) });
    expect(over.res.status).toBe(413);
    expect(await error(over.res)).toMatchObject({ code: 'quota_exceeded', details: { limit: 'pending_bytes' } });
    const deferred = await create(k.url, b.auth, { 'upload-defer-length': '1', 'upload-metadata': metadata({ filename: 'd.bin' }) });
    expect(deferred.res.status).toBe(201);
    const room = 2 * MiB - 700_000 - MiB;
    const past = await patch(deferred.url, b.auth, 0, bytes(room + 1, 36));
    expect(past.status).toBe(413);
    expect(await error(past)).toMatchObject({ code: 'quota_exceeded', details: { limit: 'pending_bytes' } });
    const fits = await patch(deferred.url, b.auth, 0, bytes(room, 36));
    expect(fits.status, await fits.clone().text()).toBe(204);
    expect(await usage(b)).toMatchObject({ bytes: 0, reserved: 2 * MiB });
  });

  it('sessions idle past their expiry neither count against the cap nor hold quota', async () => {
    const u = await k.user();
    await quota(u.spaceId, { bytes: 10_000 });
    for (let i = 0; i < 3; i++) expect((await create(k.url, u.auth, { 'upload-length': '3000', 'upload-metadata': metadata({ filename: `idle${i}.bin` }) })).res.status).toBe(201);
    expect((await create(k.url, u.auth, { 'upload-length': '3000', 'upload-metadata': metadata({ filename: 'next.bin' }) })).res.status).toBe(413);
    clock.advance(k.config.uploadSessionSeconds * 1000 + 1000);
    // No expiry job ran: the creation itself gives the idle sessions' reservations back.
    const next = await create(k.url, u.auth, { 'upload-length': '8000', 'upload-metadata': metadata({ filename: 'next.bin' }) });
    expect(next.res.status).toBe(201);
    expect(await usage(u)).toMatchObject({ bytes: 0, reserved: 8000, reservedFiles: 1 });
    expect(await k.core.usage.verify()).toEqual([]);
  });
});

/** A request with the Host header a client chooses (fetch will not send a forged one). */
function raw(method: string, url: string, headers: Record<string, string>, body = ''): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(backends)('tus URLs with PUBLIC_URL (%s)', (backend) => {
  const PUBLIC = 'https://files.example.test/kura';
  let k: TestKura;
  let u: TestUser;
  const local = (url: string) => url.replace(PUBLIC, k.url);

  beforeAll(async () => {
    k = await startKura(backend, { PUBLIC_URL: PUBLIC });
    u = await k.user();
  });
  afterAll(() => k?.stop());

  it('Location and Kura-Item-Url come from PUBLIC_URL, never from a forged Host', async () => {
    const headers = { ...u.auth, 'tus-resumable': '1.0.0', host: 'evil.example', 'x-forwarded-host': 'evil.example', 'upload-length': '5', 'upload-metadata': metadata({ filename: 'host.txt' }) };
    const open = await raw('POST', `${k.url}/api/v1/tus/`, headers);
    expect(open.status).toBe(201);
    expect(open.headers.location).toMatch(new RegExp(`^${PUBLIC}/api/v1/tus/[0-9a-f]{32}$`));
    const whole = await raw('POST', `${k.url}/api/v1/tus/`, { ...headers, 'content-type': 'application/offset+octet-stream' }, 'hello');
    expect(whole.status).toBe(201);
    expect(whole.headers['kura-item-url']).toBe(`${PUBLIC}/api/v1/items/${whole.headers['kura-item-id']}`);
    // The upload URL works once the proxy in front strips PUBLIC_URL's path.
    const r = await raw('PATCH', local(String(open.headers.location)), { ...u.auth, 'tus-resumable': '1.0.0', host: 'evil.example', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, 'hello');
    expect(r.status).toBe(204);
    expect(r.headers['kura-item-url']).toMatch(new RegExp(`^${PUBLIC}/api/v1/items/`));
  });

  it('a final concatenation names its parts by the URLs Location gave', async () => {
    const a = await create(k.url, u.auth, { 'upload-length': '3', 'upload-concat': 'partial' }, 'abc');
    const b = await create(k.url, u.auth, { 'upload-length': '3', 'upload-concat': 'partial' }, 'def');
    expect(a.url.startsWith(`${PUBLIC}/api/v1/tus/`)).toBe(true);
    const final = await create(k.url, u.auth, { 'upload-concat': `final;${a.url} ${b.url}`, 'upload-metadata': metadata({ filename: 'joined.txt' }) });
    expect(final.res.status).toBe(201);
    const id = final.res.headers.get('kura-item-id');
    expect((await (await fetch(`${k.url}/api/v1/items/${id}/content`, { headers: u.auth })).text())).toBe('abcdef');
  });

  it('a refused creation carries no Location; one whose first bytes were refused does', async () => {
    const refused = [
      await create(k.url, u.auth, { 'upload-length': '1', 'upload-metadata': metadata({ filename: 'a/b' }) }),
      await create(k.url, u.auth, { 'upload-metadata': metadata({ filename: 'nolength' }) }),
      await create(k.url, u.auth, { 'upload-length': '1', 'upload-metadata': metadata({ filename: 'x', parent: 123456789 }) }),
    ];
    expect(refused.map((c) => c.res.status)).toEqual([400, 400, 404]);
    for (const c of refused) expect(c.res.headers.get('location')).toBeNull();
    const bad = await create(k.url, u.auth, { 'upload-length': '5', 'upload-metadata': metadata({ filename: 'sum.txt' }), 'upload-checksum': 'sha1 AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, 'hello');
    expect(bad.res.status).toBe(460);
    expect(bad.url.startsWith(`${PUBLIC}/api/v1/tus/`)).toBe(true);
    const head = await tusFetch(local(bad.url), u.auth, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe('0');
  });
});
