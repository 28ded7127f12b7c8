import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/http/shared/dialect.js';
import { bearer } from '../../src/http/shared/credentials.js';
import { restError } from '../../src/http/shared/errors.js';
import { DIALECTS } from '../../src/http/dialects/index.js';
import { socialDialect } from '../../src/http/dialects/social/index.js';
import { backends } from '../helpers/backends.js';
import { body, sha256, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { env, local, mp3, originalOf, tc, uploadTo, type Any } from './helpers.js';

/** A second dialect under /files, as `social` will be: both must answer their own routes. */
const neighbour = (): Dialect => ({
  name: 'neighbour',
  prefix: '/files',
  credentials: [bearer()],
  renderError: restError,
  sharesPrefix: true,
  async routes(app) {
    app.get('/:id/data', { config: { auth: 'none' } }, async (req) => ({ neighbour: (req.params as { id: string }).id }));
    app.post('/', async () => ({ neighbour: 'post' }));
  },
});

describe.each(backends)('tencenturies /files (%s)', (backend) => {
  let k: TestKura;
  let owner: TestUser, other: TestUser, viewer: TestUser;
  let mine: Any, theirs: Any;
  const data = mp3(20_000, 7);

  beforeAll(async () => {
    k = await startKura(backend, { PUBLIC_URL: 'https://cdn.example.test' }, { dialects: [...DIALECTS.filter((d) => d !== socialDialect), neighbour] });
    [owner, other, viewer] = await Promise.all([k.user(), k.user(), k.user()]);
    mine = (await env(await uploadTo(k, owner, [{ name: 'mine.mp3', data }]))).data.files[0];
    theirs = (await env(await uploadTo(k, other, [{ name: 'theirs.mp3', data: mp3(3000, 1) }]))).data.files[0];
  });
  afterAll(() => k.stop());

  const get = (path: string, u: TestUser | null = owner) => fetch(`${k.url}/files${path}`, { headers: u ? tc(u) : {} });
  const del = (path: string, u: TestUser = owner) => fetch(`${k.url}/files${path}`, { method: 'DELETE', headers: tc(u) });

  it('lists the caller\'s own files, newest first, and nobody else\'s', async () => {
    const later = (await env(await uploadTo(k, owner, [{ name: 'later.mp3', data: mp3(100, 2) }]))).data.files[0];
    const e = await env(await get(''));
    const ids = e.data.map((f: Any) => f.file.id);
    expect(ids).toContain(mine.file.id);
    expect(ids).not.toContain(theirs.file.id);
    expect(ids.indexOf(later.file.id)).toBeLessThan(ids.indexOf(mine.file.id));
    expect((await env(await get('/'))).data).toEqual(e.data);
    // Paging, and wrong values.
    expect((await env(await get('?count=1'))).data).toHaveLength(1);
    expect((await env(await get('?count=1&offset=1'))).data[0].file.id).toBe(ids[1]);
    await env(await get('?count=0'), 400);
    await env(await get('?count=abc'), 400);
    await env(await get('?offset=-1'), 400);
  });

  it('details one file as the spec\'s file object (a one-element array)', async () => {
    const e = await env(await get(`/${mine.file.id}`));
    expect(e.data).toEqual([mine]);
    expect(mine.file).toEqual({ id: mine.file.id, name: 'mine.mp3', size: data.length, mime: 'audio/mpeg', is_deleted: false });
  });

  it('answers someone else\'s, unknown and malformed ids without telling them apart', async () => {
    const a = await env(await get(`/${theirs.file.id}`), 404);
    const b = await env(await get('/123456789'), 404);
    expect(a.meta).toEqual({ code: 404, text: 'No Files Found' });
    expect(b.meta).toEqual(a.meta);
    await env(await get('/not-a-number'), 400);
    await env(await del(`/${theirs.file.id}`), 404);
    // Theirs is untouched.
    expect((await env(await get(`/${theirs.file.id}`, other))).data[0].file.is_deleted).toBe(false);
    // A folder is not a file here.
    await env(await get(`/${owner.rootId}`), 404);
    await env(await del(`/${owner.rootId}`), 404);
  });

  it('answers 401 "You Do Not Own This File" to someone who sees a file but may not delete it', async () => {
    const project = await k.core.spaces.create({ userId: owner.id, role: 'user' }, { kind: 'project', name: 'Shared' });
    await k.core.spaces.setMember({ userId: owner.id, role: 'user' }, project.id, viewer.id, 'viewer');
    const item = await uploadOne(k.url, { authorization: `Bearer ${owner.token}` }, project.rootId, 'shared.mp3', mp3(500, 3));
    expect((await env(await get(`/${item.id}`, viewer))).data[0].file.name).toBe('shared.mp3');
    const e = await env(await del(`/${item.id}`, viewer), 401);
    expect(e.meta.text).toBe('You Do Not Own This File');
    expect((await env(await get(`/${item.id}`, viewer))).data[0].file.is_deleted).toBe(false);
  });

  it('soft-deletes: the object then reads as the spec\'s deleted shape, its CDN URL stops working', async () => {
    const f = (await env(await uploadTo(k, owner, [{ name: 'gone.mp3', data: mp3(1234, 4) }]))).data.files[0];
    expect((await fetch(local(k, f.cdn_url))).status).toBe(200);
    const before = (await k.core.spaces.get({ userId: owner.id, role: 'user' }, owner.spaceId)).usage;
    const e = await env(await del(`/${f.file.id}`));
    expect(e.data).toEqual({
      file: { id: f.file.id, name: false, size: false, mime: false, is_deleted: true },
      in_post: false,
      in_meta: false,
      is_avatar: false,
      has_metadata: false,
      cdn_url: false,
      uploaded_at: f.uploaded_at,
      uploaded_unix: f.uploaded_unix,
      updated_at: expect.stringMatching(/Z$/),
      updated_unix: expect.any(Number),
    });
    expect(e.data.updated_unix).toBeGreaterThanOrEqual(f.updated_unix);
    expect((await env(await get(`/${f.file.id}`))).data).toEqual([e.data]);
    // Again: still deleted, same answer.
    expect((await env(await del(`/${f.file.id}`))).data).toEqual(e.data);
    expect((await env(await get(''))).data.map((x: Any) => x.file.id)).not.toContain(f.file.id);
    expect((await fetch(local(k, f.cdn_url))).status).toBe(404);
    expect((await fetch(local(k, originalOf(f.cdn_url)))).status).toBe(404);
    // Soft: it stays in the trash, and counts until purged.
    expect((await k.core.spaces.get({ userId: owner.id, role: 'user' }, owner.spaceId)).usage).toEqual(before);
    await env(await del(''), 400);
  });

  it('serves CDN URLs without a token only while the public-read rule allows', async () => {
    const url = local(k, mine.cdn_url);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(sha256(await body(res))).toBe(sha256(data));
    const ranged = await fetch(url, { headers: { range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.compare(await body(ranged), data.subarray(0, 10))).toBe(0);
    // Any extension, or none, names the same file; garbage names are 404.
    expect((await fetch(`${k.url}/files/cdn/${mine.file.id}`)).status).toBe(200);
    expect((await fetch(`${k.url}/files/cdn/${mine.file.id}x.mp3`)).status).toBe(404);
    // Public links off for the space: the CDN URL stops answering.
    await k.core.spaces.setPublicLinks({ userId: owner.id, role: 'user' }, owner.spaceId, false);
    try {
      expect((await fetch(url)).status).toBe(404);
    } finally {
      await k.core.spaces.setPublicLinks({ userId: owner.id, role: 'user' }, owner.spaceId, true);
    }
  });

  it('needs the Authorization token on every route but the CDN', async () => {
    for (const path of ['', `/${mine.file.id}`]) {
      const e = await env(await get(path, null), 401);
      expect(e.meta.text).toMatch(/Authorization/);
      await env(await fetch(`${k.url}/files${path}`, { headers: { authorization: 'kura_nope' } }), 401);
    }
    await env(await fetch(`${k.url}/files/${mine.file.id}`, { method: 'DELETE' }), 401);
    expect((await env(await get(`/${mine.file.id}`))).data[0].file.is_deleted).toBe(false);
  });

  it('shares /files with another dialect: each answers its own routes', async () => {
    expect(await (await fetch(`${k.url}/files/${mine.file.id}/data`)).json()).toEqual({ neighbour: String(mine.file.id) });
    expect(await (await fetch(`${k.url}/files`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}` } })).json()).toEqual({ neighbour: 'post' });
    expect((await env(await get(`/${mine.file.id}`))).data[0].file.id).toBe(mine.file.id);
    // Unknown routes under the shared prefix still get an answer.
    expect((await fetch(`${k.url}/files/${mine.file.id}/nothing/here`)).status).toBe(404);
  });
});
