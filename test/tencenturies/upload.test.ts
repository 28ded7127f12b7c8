import { request } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { body, bytes, sha256 } from '../helpers/http.js';
import { pngBomb } from '../helpers/images.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { env, jpeg, local, mp3, mp4, originalOf, png, tc, uploadTo, type Any } from './helpers.js';

const ADMIN = (u: TestUser) => ({ userId: u.id, role: 'admin' as const });

describe.each(backends)('tencenturies POST /files/upload (%s)', (backend) => {
  let k: TestKura;
  let small: TestKura;
  let owner: TestUser, admin: TestUser;

  beforeAll(async () => {
    [k, small] = await Promise.all([startKura(backend, { PUBLIC_URL: 'https://cdn.example.test' }), startKura(backend, { KURA_TENCENTURIES_MAX_FILE_BYTES: '100000' })]);
    [owner, admin] = await Promise.all([k.user(), k.user(undefined, { admin: true })]);
  });
  afterAll(() => Promise.all([k.stop(), small.stop()]));

  const list = async (u: TestUser = owner): Promise<Any[]> => (await env(await fetch(`${k.url}/files`, { headers: tc(u) }))).data;

  it('stores several files of the allowed types and answers files, bucket and errors', async () => {
    const a = mp3(5000);
    const b = mp4('isom', 6000);
    const c = await png(300, 200);
    const e = await env(await uploadTo(k, owner, [{ name: 'song.mp3', data: a }, { name: 'clip.mp4', data: b }, { name: 'dot.png', data: c }]));
    expect(e.meta).toEqual({ code: 200 });
    expect(e.data.errors).toEqual([]);
    expect(e.data.files.map((f: Any) => f.file)).toEqual([
      { id: expect.any(Number), name: 'song.mp3', size: 5000, mime: 'audio/mpeg', is_deleted: false },
      { id: expect.any(Number), name: 'clip.mp4', size: 6000, mime: 'video/mp4', is_deleted: false },
      { id: expect.any(Number), name: 'dot.png', size: c.length, mime: 'image/png', is_deleted: false },
    ]);
    const f = e.data.files[0];
    expect(f).toMatchObject({ in_post: false, in_meta: false, is_avatar: false, has_metadata: false });
    expect(f.cdn_url).toBe(`https://cdn.example.test/files/cdn/${f.file.id}.mp3`);
    expect(f.uploaded_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(f.uploaded_unix).toBe(Math.floor(Date.parse(f.uploaded_at) / 1000));
    expect(f.updated_unix).toBe(Math.floor(Date.parse(f.updated_at) / 1000));
    expect(e.data.bucket).toEqual({ type: 'Unlimited', files: 3, limit: Number.MAX_SAFE_INTEGER, used: a.length + b.length + c.length });
    // Byte for byte through the public CDN URL, no token.
    for (const [file, data] of [[e.data.files[0], a], [e.data.files[1], b], [e.data.files[2], c]] as const) {
      const res = await fetch(local(k, file.cdn_url));
      expect(res.status).toBe(200);
      expect(sha256(await body(res))).toBe(sha256(data));
    }
  });

  it('judges the type from the content: refused ones get Unsupported File Type, the good ones of the request are stored', async () => {
    const before = (await list()).length;
    const e = await env(
      await uploadTo(k, owner, [
        { name: 'notes.txt', data: 'just text', type: 'text/plain' },
        { name: 'fake.jpg', data: 'not a jpeg at all', type: 'image/jpeg' },
        { name: 'real.m4a', data: mp4('M4A ') },
        { name: 'doc.pdf', data: Buffer.concat([Buffer.from('%PDF-1.4\n'), bytes(2000, 3)]), type: 'application/pdf' },
        { name: 'live.m3u8', data: '#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nseg0.ts\n' },
        { name: 'movie.mov', data: mp4('qt  ') },
      ]),
    );
    expect(e.data.files.map((f: Any) => [f.file.name, f.file.mime])).toEqual([
      ['real.m4a', 'audio/x-m4a'],
      ['live.m3u8', 'application/x-mpegurl'],
      ['movie.mov', 'video/quicktime'],
    ]);
    expect(e.data.errors).toEqual([
      { name: 'notes.txt', size: 9, type: 'text/plain', reason: 'Unsupported File Type', message: expect.any(String) },
      { name: 'fake.jpg', size: 17, type: 'text/plain', reason: 'Unsupported File Type', message: expect.any(String) },
      { name: 'doc.pdf', size: 2009, type: 'application/pdf', reason: 'Unsupported File Type', message: expect.any(String) },
    ]);
    expect((await list()).length).toBe(before + 3);
  });

  it('refuses bad file names with Bad File Name and keeps the rest', async () => {
    const e = await env(
      await uploadTo(k, owner, [
        { name: 'ok.mp3', data: mp3(100) },
        { name: 'evil\u202egpj.mp3', data: mp3(100) },
        { name: ' padded.mp3', data: mp3(100) },
      ]),
    );
    expect(e.data.files.map((f: Any) => f.file.name)).toEqual(['ok.mp3']);
    expect(e.data.errors.map((x: Any) => [x.name, x.reason, x.size])).toEqual([
      ['evil\u202egpj.mp3', 'Bad File Name', 100],
      [' padded.mp3', 'Bad File Name', 100],
    ]);
  });

  it('renames on a clash (a flat space: nothing is overwritten)', async () => {
    const e = await env(await uploadTo(k, owner, [{ name: 'same.mp3', data: mp3(100, 1) }, { name: 'same.mp3', data: mp3(100, 2) }]));
    expect(e.data.files.map((f: Any) => f.file.name)).toEqual(['same.mp3', 'same (1).mp3']);
  });

  it('stores what fits and rejects the rest with Insufficient Storage Remaining when the quota runs out mid-request', async () => {
    const u = await k.user();
    const space = (await k.core.spaces.listMine({ userId: u.id, role: 'user' }))[0];
    await k.core.spaces.setQuota(ADMIN(admin), space.id, { bytes: 250_000 });
    const e = await env(
      await uploadTo(k, u, [
        { name: '1.mp3', data: mp3(100_000, 1) },
        { name: '2.mp3', data: mp3(100_000, 2) },
        { name: '3.mp3', data: mp3(100_000, 3) },
        { name: '4.mp3', data: mp3(40_000, 4) },
      ]),
    );
    expect(e.data.files.map((f: Any) => f.file.name)).toEqual(['1.mp3', '2.mp3', '4.mp3']);
    expect(e.data.errors).toEqual([{ name: '3.mp3', size: 100_000, type: 'application/octet-stream', reason: 'Insufficient Storage Remaining', message: expect.any(String) }]);
    expect(e.data.bucket).toEqual({ type: 'Standard', files: 3, limit: 250_000, used: 240_000 });
    // Full: everything is rejected, and the bucket says why.
    const full = await env(await uploadTo(k, u, [{ name: '5.mp3', data: mp3(20_000) }]));
    expect(full.data.files).toEqual([]);
    expect(full.data.errors[0].reason).toBe('Insufficient Storage Remaining');
    expect(full.data.bucket).toMatchObject({ limit: 250_000, used: 240_000, files: 3 });
  });

  it('keeps the default 256 MB limit per file', () => {
    expect(k.config.tencenturies.maxFileBytes).toBe(256 * 1024 * 1024);
    expect(small.config.tencenturies.maxFileBytes).toBe(100_000);
  });

  it('rejects a file over the limit while streaming and stores the files around it', async () => {
    const u = await small.user();
    const big = mp3(300_000, 9);
    const e = await env(await uploadTo(small, u, [{ name: 'a.mp3', data: mp3(1000, 1) }, { name: 'big.mp3', data: big }, { name: 'b.mp3', data: mp3(1000, 2) }]));
    expect(e.data.files.map((f: Any) => f.file.name)).toEqual(['a.mp3', 'b.mp3']);
    expect(e.data.errors).toEqual([{ name: 'big.mp3', size: 300_000, type: 'application/octet-stream', reason: 'Could Not Record File Data', message: expect.stringContaining('100000') }]);
    expect(e.data.bucket).toMatchObject({ files: 2, used: 2000 });
    expect(await small.core.fsck()).toMatchObject({ problems: [] });
    const again = await env(await fetch(`${small.url}/files`, { headers: tc(u) }));
    expect(again.data.map((f: Any) => f.file.name).sort()).toEqual(['a.mp3', 'b.mp3']);
  });

  it('resizes images wider than 960 px and keeps the full size as _original, byte for byte', async () => {
    const wide = await jpeg(2000, 1000);
    const e = await env(await uploadTo(k, owner, [{ name: 'wide.jpg', data: wide }]));
    const f = e.data.files[0];
    expect(f.file).toMatchObject({ name: 'wide.jpg', size: wide.length, mime: 'image/jpeg' });
    const resized = await fetch(local(k, f.cdn_url));
    expect(resized.status).toBe(200);
    expect(resized.headers.get('content-type')).toMatch(/^image\/jpeg/);
    const meta = await sharp(await body(resized)).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([960, 480, 'jpeg']);
    const original = await fetch(local(k, originalOf(f.cdn_url)));
    expect(original.status).toBe(200);
    expect(sha256(await body(original))).toBe(sha256(wide));
    // Same bytes through the native API: one file, one id everywhere.
    const native = await fetch(`${k.url}/api/v1/items/${f.file.id}/content`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(sha256(await body(native))).toBe(sha256(wide));
  });

  it('applies the EXIF orientation; small plain images are served as they came', async () => {
    const turned = await jpeg(600, 400, 6, 2);
    const plain = await jpeg(500, 300, undefined, 3);
    const wideTurned = await jpeg(2400, 1200, 8, 4); // shown 1200 × 2400: wider than 960 once turned
    const e = await env(await uploadTo(k, owner, [{ name: 'turned.jpg', data: turned }, { name: 'plain.jpg', data: plain }, { name: 'wt.jpg', data: wideTurned }]));
    const [t, p, w] = e.data.files;
    const tm = await sharp(await body(await fetch(local(k, t.cdn_url)))).metadata();
    expect([tm.width, tm.height, tm.orientation ?? 1]).toEqual([400, 600, 1]);
    expect(sha256(await body(await fetch(local(k, originalOf(t.cdn_url)))))).toBe(sha256(turned));
    expect(sha256(await body(await fetch(local(k, p.cdn_url))))).toBe(sha256(plain));
    expect(sha256(await body(await fetch(local(k, originalOf(p.cdn_url)))))).toBe(sha256(plain));
    const wm = await sharp(await body(await fetch(local(k, w.cdn_url)))).metadata();
    expect([wm.width, wm.height]).toEqual([960, 1920]);
  });

  it('keeps a small animated GIF as it is', async () => {
    const frames = Buffer.alloc(40 * 60 * 3, 0);
    frames.fill(255, 0, 40 * 30 * 3); // two frames of 40 × 30: white, then black
    const gif = await sharp(frames, { raw: { width: 40, height: 60, channels: 3, pageHeight: 30 } as Any }).gif({ delay: [100, 100], loop: 0 }).toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const e = await env(await uploadTo(k, owner, [{ name: 'a.gif', data: gif }]));
    expect(sha256(await body(await fetch(local(k, e.data.files[0].cdn_url))))).toBe(sha256(gif));
  });

  it('rejects broken images and decompression bombs as Unsupported File Type, leaving nothing stored', async () => {
    const u = await k.user();
    const whole = await jpeg(2000, 1000, undefined, 5);
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    const bomb = await pngBomb(11_000, 10_000);
    const e = await env(await uploadTo(k, u, [{ name: 'cut.jpg', data: cut }, { name: 'bomb.png', data: bomb }, { name: 'fine.mp3', data: mp3(500) }]));
    expect(e.data.errors.map((x: Any) => [x.name, x.reason, x.type])).toEqual([
      ['cut.jpg', 'Unsupported File Type', 'image/jpeg'],
      ['bomb.png', 'Unsupported File Type', 'image/png'],
    ]);
    expect(e.data.files.map((f: Any) => f.file.name)).toEqual(['fine.mp3']);
    expect(e.data.bucket).toMatchObject({ files: 1, used: 500 });
    expect((await env(await fetch(`${k.url}/files`, { headers: tc(u) }))).data).toHaveLength(1);
    // Both were refused before anything was recorded (the broken one as its copy was rendered):
    // their bytes were committed but never recorded, orphans GC collects (decision 0002).
    const report = await k.core.fsck();
    const refused = new Set([sha256(cut), sha256(bomb)]);
    expect(report.problems.filter((p) => !(p.problem === 'orphan_object' && refused.has(p.hash ?? '')))).toEqual([]);
  });

  it('answers request-level problems in the envelope', async () => {
    const none = await env(await fetch(`${k.url}/files/upload`, { method: 'POST', body: new FormData() }), 401);
    expect(none.meta.text).toMatch(/Authorization/);
    await env(await uploadTo(k, null, [{ name: 'x.mp3', data: mp3(10) }], { authorization: 'kura_wrong' }), 401);
    // A Bearer header works too.
    await env(await uploadTo(k, null, [{ name: 'b.mp3', data: mp3(10) }], { authorization: `Bearer ${owner.token}` }));
    await env(await fetch(`${k.url}/files/upload`, { method: 'POST', headers: { ...tc(owner), 'content-type': 'application/json' }, body: '{}' }), 415);
    const fieldsOnly = new FormData();
    fieldsOnly.append('note', 'no file here');
    const empty = await env(await fetch(`${k.url}/files/upload`, { method: 'POST', headers: tc(owner), body: fieldsOnly }), 400);
    expect(empty.meta.text).toMatch(/No Files Received/);
  });

  it('records nothing of a file whose body is cut off', async () => {
    const u = await k.user();
    const boundary = 'x-boundary-x';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n`;
    await new Promise<void>((resolve) => {
      const req = request(`${k.url}/files/upload`, { method: 'POST', headers: { ...tc(u), 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + 50_000) } });
      req.on('error', () => resolve());
      req.on('response', (r) => {
        r.resume();
        r.on('end', () => resolve());
      });
      req.write(head);
      req.write(mp3(10_000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    // The server notices the cut; nothing of the file is listed or counted.
    for (let i = 0; i < 50 && (await k.core.spaces.get({ userId: u.id, role: 'user' }, u.spaceId)).usage.files !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await env(await fetch(`${k.url}/files`, { headers: tc(u) }))).data).toEqual([]);
    expect((await k.core.spaces.get({ userId: u.id, role: 'user' }, u.spaceId)).usage).toEqual({ bytes: 0, files: 0, reserved: 0, reservedFiles: 0 });
  });

  it('takes the allow-list from the settings', async () => {
    const only = await startKura(backend, { KURA_TENCENTURIES_MIME_TYPES: 'image/jpg' });
    try {
      const u = await only.user();
      const e = await env(await uploadTo(only, u, [{ name: 'a.jpg', data: await jpeg(50, 40) }, { name: 'b.mp3', data: mp3(100) }]));
      expect(e.data.files.map((f: Any) => f.file.name)).toEqual(['a.jpg']);
      expect(e.data.errors.map((x: Any) => [x.name, x.reason])).toEqual([['b.mp3', 'Unsupported File Type']]);
    } finally {
      await only.stop();
    }
  });
});
