import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { body, json, sha256 } from '../helpers/http.js';
import { startKura, testClock, type TestKura, type TestUser } from '../helpers/kura.js';
import { form, jpeg, png } from './fixtures.js';

describe.each(backends)('social avatars, name cards and chat-room covers (%s)', (backend) => {
  const clock = testClock();
  let k: TestKura;
  let u: TestUser;
  let v: TestUser;
  beforeAll(async () => {
    k = await startKura(backend, { KURA_GC_GRACE_SECONDS: '0', KURA_UNPINNED_TTL: '1s' }, { clock });
    u = await k.user();
    v = await k.user();
  });
  afterAll(() => k.stop());

  const send = (path: string, f: FormData, auth: Record<string, string> = u.auth) => fetch(`${k.url}/files${path}`, { method: 'POST', headers: auth, body: f });
  const get = (path: string, auth: Record<string, string> = u.auth) => fetch(`${k.url}/files${path}`, { headers: auth });
  const usage = async (user: TestUser) => (await k.core.spaces.get({ userId: user.id, role: 'user' }, user.spaceId)).usage;

  it('avatar: a 500×500 JPEG is set (201), read back byte for byte by its owner and by others; replacing keeps the new one through GC', async () => {
    expect((await get('/users/avatar')).status).toBe(404);
    const first = await jpeg(500, 500, 1);
    const res = await send('/users/avatar', form([['avatar', { data: first, name: 'me.jpg' }]]));
    expect(res.status).toBe(201);
    const own = await get('/users/avatar');
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('image/jpeg');
    expect(sha256(await body(own))).toBe(sha256(first));
    const theirs = await get(`/users/${u.id}/avatar`, v.auth);
    expect(sha256(await body(theirs))).toBe(sha256(first));
    expect((await get(`/users/${u.id}/avatar`, {})).status).toBe(401);
    expect((await get(`/users/${v.id}/avatar`)).status).toBe(404);
    expect((await get('/users/999999999/avatar')).status).toBe(404);
    expect((await get('/users/abc/avatar')).status).toBe(400);
    // Replace it; the old file loses its pin and goes with the next GC after the TTL.
    const second = await jpeg(500, 500, 2);
    expect((await send('/users/avatar', form([['avatar', { data: second, name: 'me2.jpg' }]]))).status).toBe(201);
    expect(sha256(await body(await get('/users/avatar')))).toBe(sha256(second));
    clock.advance(1200);
    await k.core.gc();
    expect(await k.core.blobs.has(sha256(first))).toBe(false);
    expect(sha256(await body(await get('/users/avatar')))).toBe(sha256(second));
    expect(await k.core.blobs.has(sha256(second))).toBe(true);
    expect((await k.core.fsck()).problems).toEqual([]);
  });

  it('avatar: a wrong format or size is a 4xx that changes nothing', async () => {
    const current = sha256(await body(await get('/users/avatar')));
    const before = await usage(u);
    const cases: [Buffer, number][] = [
      [await jpeg(499, 500, 3), 400],
      [await jpeg(500, 400, 4), 400],
      [await png(500, 500), 415],
      [Buffer.from('not an image at all'), 415],
      // A JPEG cut short: the header says 500×500, the pixels are missing.
      [(await jpeg(500, 500, 5)).subarray(0, 2000), 415],
    ];
    for (const [i, [data, status]] of cases.entries()) {
      const res = await send('/users/avatar', form([['avatar', { data, name: 'x.jpg' }]]));
      expect(res.status, `case ${i}`).toBe(status);
    }
    expect((await send('/users/avatar', form([['photo', { data: await jpeg(500, 500, 6), name: 'x.jpg' }]]))).status).toBe(400);
    expect((await send('/users/avatar', form([['avatar', { data: await jpeg(500, 500, 6), name: 'x.jpg' }]]), {})).status).toBe(401);
    expect(sha256(await body(await get('/users/avatar')))).toBe(current);
    expect(await usage(u)).toEqual(before);
  });

  it('avatar: an EXIF-rotated JPEG is judged by its displayed size', async () => {
    // Stored 500×500 either way; a 600×500 picture turned 90° displays as 500×600.
    expect((await send('/users/avatar', form([['avatar', { data: await jpeg(500, 500, 7, 6), name: 'r.jpg' }]]), v.auth)).status).toBe(201);
    expect((await send('/users/avatar', form([['avatar', { data: await jpeg(600, 500, 8, 6), name: 'r.jpg' }]]), v.auth)).status).toBe(400);
  });

  it('name-card cover: any JPEG; not a PNG', async () => {
    expect((await get('/users/name_card_cover')).status).toBe(404);
    const cover = await jpeg(900, 300, 9);
    expect((await send('/users/name_card_cover', form([['name_card_cover', { data: cover, name: 'c.jpg' }]]))).status).toBe(201);
    expect((await send('/users/name_card_cover', form([['name_card_cover', { data: await png(900, 300), name: 'c.png' }]]))).status).toBe(415);
    expect(sha256(await body(await get('/users/name_card_cover')))).toBe(sha256(cover));
    const other = await get(`/users/${u.id}/name_card_cover`, v.auth);
    expect(other.headers.get('content-type')).toBe('image/jpeg');
    expect(sha256(await body(other))).toBe(sha256(cover));
    expect((await get(`/users/${v.id}/name_card_cover`)).status).toBe(404);
  });

  it('name-card photos: positions 1–8, no forward filling, readable without a token, delete → 204', async () => {
    const p2 = await jpeg(300, 200, 10);
    const p8 = await png(50, 50);
    expect((await send('/users/name_card_photo', form([['position', '2'], ['photo', { data: p2, name: 'two.jpg' }]]))).status).toBe(201);
    expect((await send('/users/name_card_photo', form([['position', '8'], ['photo', { data: p8, name: 'eight.png' }]]))).status).toBe(201);
    expect((await get('/users/name_card_photo/1')).status).toBe(404);
    expect(sha256(await body(await get('/users/name_card_photo/2')))).toBe(sha256(p2));
    const anon = await fetch(`${k.url}/files/users/${u.id}/name_card_photo/8`);
    expect(anon.status).toBe(200);
    expect(anon.headers.get('content-type')).toBe('image/png');
    expect(sha256(await body(anon))).toBe(sha256(p8));
    // Even with a bad token the public read works (credentials are not looked at).
    expect((await fetch(`${k.url}/files/users/${u.id}/name_card_photo/2`, { headers: { authorization: 'Bearer kura_bad' } })).status).toBe(200);
    expect((await fetch(`${k.url}/files/users/${u.id}/name_card_photo/3`)).status).toBe(404);
    for (const pos of ['0', '9', 'x', '']) {
      expect((await send('/users/name_card_photo', form([['position', pos], ['photo', { data: p2, name: 'p.jpg' }]]))).status, `position ${pos}`).toBe(400);
    }
    expect((await send('/users/name_card_photo', form([['photo', { data: p2, name: 'p.jpg' }]]))).status).toBe(400);
    expect((await fetch(`${k.url}/files/users/${u.id}/name_card_photo/9`)).status).toBe(400);
    expect((await get('/users/name_card_photo/0')).status).toBe(400);
    expect((await send('/users/name_card_photo', form([['position', '3'], ['photo', { data: Buffer.from('%PDF-1.4 nope'), name: 'p.pdf' }]]))).status).toBe(415);
    // 4 MiB or more: 413 while streaming, nothing changed.
    const before = await usage(u);
    const big = Buffer.concat([await jpeg(16, 16, 11), Buffer.alloc(4 * 1024 * 1024)]);
    expect((await send('/users/name_card_photo', form([['position', '2'], ['photo', { data: big, name: 'big.jpg' }]]))).status).toBe(413);
    expect(await usage(u)).toEqual(before);
    expect(sha256(await body(await get('/users/name_card_photo/2')))).toBe(sha256(p2));
    // Delete.
    expect((await fetch(`${k.url}/files/users/name_card_photo/2`, { method: 'DELETE', headers: u.auth })).status).toBe(204);
    expect((await fetch(`${k.url}/files/users/name_card_photo/2`, { method: 'DELETE', headers: u.auth })).status).toBe(404);
    expect((await fetch(`${k.url}/files/users/name_card_photo/2`, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(`${k.url}/files/users/name_card_photo/12`, { method: 'DELETE', headers: u.auth })).status).toBe(400);
    expect((await get('/users/name_card_photo/2')).status).toBe(404);
    expect(sha256(await body(await get('/users/name_card_photo/8')))).toBe(sha256(p8));
  });

  it('slot pins cannot be removed through the native API; slot files survive GC', async () => {
    const item = (await k.core.slots.item({ user: u.id }, { name: 'avatar', rule: {}, maxBytes: 1 }))!;
    const pins = await json(await fetch(`${k.url}/api/v1/items/${item.id}/pins`, { headers: u.auth }));
    expect(pins.pins).toEqual([expect.objectContaining({ slot: true, ownerId: u.id })]);
    const ref = encodeURIComponent(pins.pins[0].ref);
    expect((await fetch(`${k.url}/api/v1/items/${item.id}/pins?ref=${ref}`, { method: 'DELETE', headers: u.auth })).status).toBe(403);
    clock.advance(1100);
    await k.core.gc();
    expect((await get('/users/avatar')).status).toBe(200);
    expect((await get('/users/name_card_photo/8')).status).toBe(200);
  });

  it('chat-room covers: owners and admins set, members read, others get 404', async () => {
    const owner = { userId: u.id, role: 'user' as const };
    const room = await k.core.spaces.create(owner, { kind: 'chat_room', name: 'room' });
    const group = await k.core.spaces.create(owner, { kind: 'group', name: 'not a room' });
    const member = await k.user();
    const admin = await k.user();
    const stranger = await k.user();
    await k.core.spaces.setMember(owner, room.id, member.id, 'member');
    await k.core.spaces.setMember(owner, room.id, admin.id, 'admin');
    const coverForm = (data: Buffer, id: number | string = room.id) => form([['chat_room_id', String(id)], ['cover_image', { data, name: 'cover.jpg' }]]);
    expect((await get(`/chat_rooms/${room.id}/cover_image`, member.auth)).status).toBe(404);
    const c1 = await jpeg(800, 400, 12);
    expect((await send('/chat_rooms/cover_image', coverForm(c1))).status).toBe(201);
    for (const who of [u, member, admin]) expect(sha256(await body(await get(`/chat_rooms/${room.id}/cover_image`, who.auth)))).toBe(sha256(c1));
    expect((await get(`/chat_rooms/${room.id}/cover_image`, stranger.auth)).status).toBe(404);
    expect((await get(`/chat_rooms/${room.id}/cover_image`, {})).status).toBe(401);
    const c2 = await jpeg(800, 400, 13);
    expect((await send('/chat_rooms/cover_image', coverForm(c2), admin.auth)).status).toBe(201);
    expect(sha256(await body(await get(`/chat_rooms/${room.id}/cover_image`, member.auth)))).toBe(sha256(c2));
    expect((await send('/chat_rooms/cover_image', coverForm(c1), member.auth)).status).toBe(403);
    expect((await send('/chat_rooms/cover_image', coverForm(c1), stranger.auth)).status).toBe(404);
    expect((await send('/chat_rooms/cover_image', coverForm(c1, group.id))).status).toBe(404);
    expect((await send('/chat_rooms/cover_image', coverForm(c1, u.spaceId))).status).toBe(404);
    expect((await send('/chat_rooms/cover_image', coverForm(c1, 'abc'))).status).toBe(400);
    expect((await send('/chat_rooms/cover_image', form([['cover_image', { data: c1, name: 'c.jpg' }]]))).status).toBe(400);
    expect((await send('/chat_rooms/cover_image', coverForm(Buffer.from('text, not an image')))).status).toBe(415);
    expect((await get(`/chat_rooms/${group.id}/cover_image`)).status).toBe(404);
    expect((await get('/chat_rooms/abc/cover_image')).status).toBe(400);
    expect(sha256(await body(await get(`/chat_rooms/${room.id}/cover_image`, member.auth)))).toBe(sha256(c2));
    // The cover counts in the room's quota, not the setter's.
    const roomUsage = (await k.core.spaces.get(owner, room.id)).usage;
    expect(roomUsage.files).toBe(2);
  });
});
