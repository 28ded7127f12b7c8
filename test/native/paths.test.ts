import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { json, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

/** The native API's paths (deep links, breadcrumbs) and `onConflict: replace` over HTTP. */
describe.each(backends)('native paths and replace (%s)', (backend) => {
  let k: TestKura;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    k = await startKura(backend);
    alice = await k.user();
    bob = await k.user();
  });
  afterAll(() => k.stop());

  const get = (path: string, auth = alice.auth) => fetch(`${k.url}/api/v1${path}`, { headers: auth });
  const post = (path: string, b: unknown, auth = alice.auth) => fetch(`${k.url}/api/v1${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(b) });
  const mkdir = async (parent: number, name: string) => (await json(await post(`/items/${parent}/children`, { name, kind: 'folder' }))).items[0].id as number;
  const byPath = (spaceId: number, path: string, auth = alice.auth) => get(`/spaces/${spaceId}/path?path=${encodeURIComponent(path)}`, auth);

  it('finds an item by an encoded path with spaces, #, %, +, & and emoji, and gives its breadcrumbs', async () => {
    const top = await mkdir(alice.rootId, 'Projects 2025 #1');
    const mid = await mkdir(top, '100% \u{1F680} a+b&c');
    const file = await uploadOne(k.url, alice.auth, mid, 'plan?v=2.txt', 'plan');
    const res = await byPath(alice.spaceId, '/Projects 2025 #1/100% \u{1F680} a+b&c/plan?v=2.txt');
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ id: file.id, name: 'plan?v=2.txt', parentId: mid });
    const crumbs = await get(`/items/${file.id}/path`);
    expect(crumbs.status).toBe(200);
    expect(await json(crumbs)).toEqual({
      spaceId: alice.spaceId,
      path: '/Projects 2025 #1/100% \u{1F680} a+b&c/plan?v=2.txt',
      levels: [
        { id: alice.rootId, name: alice.username },
        { id: top, name: 'Projects 2025 #1' },
        { id: mid, name: '100% \u{1F680} a+b&c' },
        { id: file.id, name: 'plan?v=2.txt' },
      ],
    });
    expect(await json(await byPath(alice.spaceId, '/'))).toMatchObject({ id: alice.rootId });
  });

  it('matches a decomposed (NFD) name to its stored NFC twin', async () => {
    const folder = await mkdir(alice.rootId, '\u00c9t\u00e9');
    const res = await byPath(alice.spaceId, '/E\u0301te\u0301');
    expect(res.status).toBe(200);
    expect((await json(res)).id).toBe(folder);
  });

  it('answers 404 for missing, trashed and foreign paths, 400 for bad ones', async () => {
    const gone = await mkdir(alice.rootId, 'gone');
    expect((await fetch(`${k.url}/api/v1/items/${gone}`, { method: 'DELETE', headers: alice.auth })).status).toBe(204);
    for (const [spaceId, path, auth] of [
      [alice.spaceId, '/nothing here', alice.auth],
      [alice.spaceId, '/gone', alice.auth],
      [alice.spaceId, '/', bob.auth],
    ] as const) {
      const res = await byPath(spaceId, path, auth);
      expect(res.status, path).toBe(404);
      expect((await json(res)).error.code).toBe('not_found');
    }
    expect((await get(`/items/${gone}/path`)).status).toBe(404);
    expect((await get(`/items/${alice.rootId}/path`, bob.auth)).status).toBe(404);
    const dots = await byPath(alice.spaceId, '/gone/../etc');
    expect(dots.status).toBe(400);
    expect((await json(dots)).error).toMatchObject({ code: 'bad_request', details: { field: 'path segment 2' } });
    expect((await get(`/spaces/${alice.spaceId}/path`)).status).toBe(400);
    expect((await fetch(`${k.url}/api/v1/spaces/${alice.spaceId}/path?path=/`)).status).toBe(401);
  });

  it('moves and copies onto a file with onConflict replace: the same id gets a new version', async () => {
    const dest = await mkdir(alice.rootId, 'replace here');
    const target = await uploadOne(k.url, alice.auth, dest, 'doc.txt', 'old');
    const draft = await uploadOne(k.url, alice.auth, alice.rootId, 'draft.txt', 'drafted');
    const copied = await post(`/items/${draft.id}/copy`, { parentId: dest, name: 'doc.txt', onConflict: 'replace' });
    expect(copied.status).toBe(201);
    expect(await json(copied)).toMatchObject({ id: target.id, version: 2, sha256: draft.sha256, name: 'doc.txt' });
    const tmp = await uploadOne(k.url, alice.auth, alice.rootId, 'doc.txt.tmp', 'saved');
    const moved = await post(`/items/${tmp.id}/move`, { parentId: dest, name: 'doc.txt', onConflict: 'replace' });
    expect(moved.status).toBe(200);
    expect(await json(moved)).toMatchObject({ id: target.id, version: 3, sha256: tmp.sha256 });
    expect((await get(`/items/${tmp.id}`)).status).toBe(404);
    expect(await (await get(`/items/${target.id}/content`)).text()).toBe('saved');
    const versions = await json(await get(`/items/${target.id}/versions`));
    expect(versions.versions.map((v: { number: number }) => v.number)).toEqual([3, 2, 1]);
    // A folder is never replaced, nor replaces anything.
    const sub = await mkdir(dest, 'sub');
    const clash = await post(`/items/${draft.id}/copy`, { parentId: dest, name: 'sub', onConflict: 'replace' });
    expect(clash.status).toBe(409);
    expect((await json(clash)).error.code).toBe('name_conflict');
    const other = await mkdir(alice.rootId, 'sub');
    expect((await post(`/items/${other}/move`, { parentId: dest, onConflict: 'replace' })).status).toBe(409);
    expect((await get(`/items/${sub}`)).status).toBe(200);
    // Without replace, the name clash is refused as before; an unknown choice is 400.
    expect((await post(`/items/${draft.id}/copy`, { parentId: dest, name: 'doc.txt' })).status).toBe(409);
    expect((await post(`/items/${draft.id}/copy`, { parentId: dest, name: 'doc.txt', onConflict: 'overwrite' })).status).toBe(400);
    // Someone who may not add versions there: 404 for the folder it cannot see at all.
    expect((await post(`/items/${draft.id}/copy`, { parentId: dest, name: 'doc.txt', onConflict: 'replace' }, bob.auth)).status).toBe(404);
  });

  it('documents both routes and the replace choice in the native OpenAPI document', async () => {
    const doc = await json(await fetch(`${k.url}/api/v1/openapi.json`));
    expect(doc.paths['/api/v1/spaces/{id}/path'].get.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'query', name: 'path', required: true })]));
    expect(Object.keys(doc.paths['/api/v1/items/{id}/path'].get.responses)).toContain('200');
    for (const op of ['move', 'copy']) {
      const body = doc.paths[`/api/v1/items/{id}/${op}`].post.requestBody.content['application/json'].schema;
      expect(body.properties.onConflict.enum).toContain('replace');
    }
  });
});
