import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { backends } from '../helpers/backends.js';
import { body, json, sha256, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { png, uploaded } from './media.js';

/**
 * The media API's scope is the files at the top of a personal space (issue 20): a file of a
 * group space, a file in a personal sub-folder and a folder are 404 on every media route,
 * whatever the caller's rights there, and nothing of them changes.
 */
describe.each(backends)('media scope (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let admin: TestUser;
  let image: Buffer;
  /** What lies outside the media API's scope, all the caller's own: name → native id. */
  const outside: Record<'group file' | 'sub-folder file' | 'folder', { id: number; name: string }> = {} as never;
  let mine: { id: string; name: string };

  const native = (method: string, path: string, b?: unknown) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...u.auth, ...(b === undefined ? {} : { 'content-type': 'application/json' }) }, body: b === undefined ? undefined : JSON.stringify(b) });
  let client = 0;
  const media = (method: string, path: string, auth: Record<string, string>, b?: unknown) =>
    fetch(`${k.url}${path}`, { method, headers: { ...auth, 'x-forwarded-for': `10.0.${client}.1`, ...(b === undefined ? {} : { 'content-type': 'application/json' }) }, body: b === undefined ? undefined : JSON.stringify(b) });
  /** The item as the native API sees it, and its space's usage. */
  const state = async (id: number) => {
    const item = await json(await native('GET', `/items/${id}`));
    const space = await json(await native('GET', `/spaces/${item.spaceId}`));
    return { name: item.name, parentId: item.parentId, trashedAt: item.trashedAt ?? null, usage: space.usage };
  };

  beforeAll(async () => {
    // Each case reads from its own client address: public-read misses are limited per client.
    k = await startKura(backend, { KURA_TRUST_PROXY: '127.0.0.1' });
    u = await k.user();
    admin = await k.user(undefined, { admin: true });
    image = await png(64, 48);
    const group = await k.core.spaces.create({ userId: u.id, role: 'user' }, { kind: 'group', name: 'team' });
    const g = await uploadOne(k.url, u.auth, group.rootId, 'team.png', image, '?public=true');
    const album = (await json(await native('POST', `/items/${u.rootId}/children`, { name: 'album', kind: 'folder' }))).items[0];
    const deep = await uploadOne(k.url, u.auth, album.id, 'deep.png', image, '?public=true');
    outside['group file'] = { id: g.id, name: 'team.png' };
    outside['sub-folder file'] = { id: deep.id, name: 'deep.png' };
    outside.folder = { id: album.id, name: 'album' };
    [mine] = await uploaded(k.url, u.auth, [{ name: 'mine.png', data: image }]);
  });
  afterAll(() => k.stop());

  it('the caller’s own top-level file works on every route (the control)', async () => {
    for (const auth of [u.auth, {}]) {
      expect((await media('GET', `/file/${mine.id}`, auth)).status).toBe(200);
      expect((await media('GET', `/file/${mine.id}/thumbnail.jpeg?size=16`, auth)).status).toBe(200);
      expect((await media('GET', `/file/thumbnail/${mine.id}.jpeg?size=16`, auth)).status).toBe(200);
    }
    expect(sha256(await body(await media('GET', `/image/${mine.name}`, u.auth)))).toBe(sha256(image));
    expect((await media('POST', '/file/update', u.auth, { id: mine.id, name: 'renamed.png' })).status).toBe(200);
  });

  for (const what of ['group file', 'sub-folder file', 'folder'] as const) {
    it(`a ${what} is 404 on every media route and nothing of it changes`, async () => {
      client++;
      const { id, name } = outside[what];
      const hex = toObjectId(id);
      const before = await state(id);
      // Reads by id, with the owner's token, with an admin's, and without (a public read).
      for (const auth of [u.auth, admin.auth, {}]) {
        client++;
        for (const path of [`/file/${hex}`, `/file/${hex}.png`, `/file/${hex}/`, `/file/${hex}/thumbnail.jpeg?size=16`, `/file/thumbnail/${hex}.jpeg?size=16`, `/file/thumbnail/${hex}?size=16`]) {
          expect((await media('GET', path, auth)).status, `${path} ${Object.keys(auth).length ? 'token' : 'public'}`).toBe(404);
        }
      }
      // By name: only the caller's top-level files have media names.
      expect((await media('GET', `/image/${name}`, u.auth)).status).toBe(404);
      // Rename and delete, in every form, by the owner and by a Kura admin.
      for (const auth of [u.auth, admin.auth]) {
        expect((await media('POST', '/file/update', auth, { id: hex, name: 'taken-over.png' })).status).toBe(404);
        expect((await media('POST', `/file/${hex}`, auth, { name: 'taken-over.png' })).status).toBe(404);
        expect((await media('POST', '/file/del', auth, { id: hex })).status).toBe(404);
        expect((await media('DELETE', `/file/${hex}`, auth)).status).toBe(404);
      }
      expect(await state(id)).toEqual(before);
      // Other faces still reach it as before.
      expect((await native('GET', `/items/${id}`)).status).toBe(200);
    });
  }

  it('an out-of-scope public read counts as a miss, like an unknown id', async () => {
    const misses = async () => (await k.core.database.db.selectFrom('rate_limits').select('count').execute()).reduce((n, r) => n + Number(r.count), 0);
    client++;
    const before = await misses();
    expect((await media('GET', `/file/${toObjectId(outside['group file'].id)}`, {})).status).toBe(404);
    expect(await misses()).toBe(before + 1);
    // The drive's public read by id serves the same file: the scope is the media face's.
    expect((await fetch(`${k.url}/v1/file/resource?Id=${toObjectId(outside['group file'].id)}`)).status).toBe(200);
    expect((await media('GET', `/file/${toObjectId(outside['group file'].id)}`, {})).status).toBe(404);
  });
});
