import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { json, upload, uploadOne } from '../helpers/http.js';
import { startKura, testClock, type TestKura, type TestUser } from '../helpers/kura.js';

/** Locks and conditional writes over the native API: the routes, the headers and their statuses. */
describe.each(backends)('native locks and conditions (%s)', (backend) => {
  let k: TestKura;
  let alice: TestUser;
  let bob: TestUser;
  const clock = testClock();
  beforeAll(async () => {
    k = await startKura(backend, { KURA_LOCK_MAX_SECONDS: '300' }, { clock });
    [alice, bob] = [await k.user(), await k.user()];
  });
  afterAll(() => k.stop());

  const call = (method: string, path: string, opts: { auth?: Record<string, string>; headers?: Record<string, string>; body?: unknown } = {}) =>
    fetch(`${k.url}/api/v1${path}`, {
      method,
      headers: { ...(opts.auth ?? alice.auth), ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  const mkdir = async (parent: number, name: string) => (await json(await call('POST', `/items/${parent}/children`, { body: { name, kind: 'folder' } }))).items[0];
  const error = async (res: Response, status: number) => {
    expect(res.status).toBe(status);
    return (await json(res)).error;
  };

  it('takes a lock, lists it, and refuses writes without its token (423) until it is released', async () => {
    const f = await uploadOne(k.url, alice.auth, alice.rootId, 'locked.txt', 'one');
    const taken = await call('POST', `/items/${f.id}/lock`, { body: { scope: 'exclusive', depth: 0, timeout: 60, owner: '<href>alice</href>' } });
    expect(taken.status).toBe(201);
    const lock = await json(taken);
    expect(taken.headers.get('lock-token')).toBe(`<${lock.token}>`);
    expect(lock).toMatchObject({ itemId: f.id, ownerId: alice.id, owner: '<href>alice</href>', scope: 'exclusive', depth: 0, timeoutSeconds: 60 });
    expect((await json(await call('GET', `/items/${f.id}/lock`))).locks).toEqual([lock]);

    expect(await error(await call('PATCH', `/items/${f.id}`, { body: { description: 'x' } }), 423)).toMatchObject({ code: 'locked', details: { itemId: f.id, lockedItemId: f.id } });
    await error(await call('DELETE', `/items/${f.id}`), 423);
    await error(await fetch(`${k.url}/api/v1/items/${f.id}/versions`, { method: 'POST', headers: alice.auth, body: 'two' }), 423);
    await error(await call('POST', `/items/${f.id}/lock`), 423);
    // With its token (bracketed as WebDAV writes it, or bare).
    expect((await call('PATCH', `/items/${f.id}`, { body: { description: 'mine' }, headers: { 'lock-token': `<${lock.token}>` } })).status).toBe(200);
    const v2 = await fetch(`${k.url}/api/v1/items/${f.id}/versions`, { method: 'POST', headers: { ...alice.auth, 'lock-token': lock.token }, body: 'two' });
    expect(v2.status).toBe(201);

    // A refresh extends it, past the original timeout.
    clock.advance(50_000);
    const refreshed = await call('POST', `/items/${f.id}/lock/refresh`, { body: { timeout: 60 }, headers: { 'lock-token': `<${lock.token}>` } });
    expect(refreshed.status).toBe(200);
    expect((await json(refreshed)).expiresAt).toBeGreaterThan(lock.expiresAt);
    clock.advance(50_000);
    await error(await call('PATCH', `/items/${f.id}`, { body: { description: 'y' } }), 423);
    await error(await call('POST', `/items/${f.id}/lock/refresh`, { body: {} }), 400);

    expect((await call('DELETE', `/items/${f.id}/lock`, { headers: { 'lock-token': `<${lock.token}>` } })).status).toBe(204);
    await error(await call('DELETE', `/items/${f.id}/lock`, { headers: { 'lock-token': `<${lock.token}>` } }), 409);
    await error(await call('DELETE', `/items/${f.id}/lock`), 404);
    expect((await call('PATCH', `/items/${f.id}`, { body: { description: 'free' } })).status).toBe(200);
    expect((await json(await call('GET', `/items/${f.id}/lock`))).locks).toEqual([]);
  });

  it('a folder lock with depth infinity refuses new children below it; the space owner breaks a member’s lock', async () => {
    const space = await json(await call('POST', '/spaces', { body: { kind: 'group', name: 'locks-group' } }));
    expect((await call('PUT', `/spaces/${space.id}/members/${bob.id}`, { body: { role: 'member' } })).status).toBe(200);
    const dir = await mkdir(space.rootId, 'shared');
    const lock = await json(await call('POST', `/items/${dir.id}/lock`, { auth: bob.auth, body: {} }));
    expect(lock).toMatchObject({ depth: 'infinity', scope: 'exclusive', timeoutSeconds: 300 });
    await error(await upload(k.url, alice.auth, dir.id, [{ name: 'a.txt', data: 'a' }]), 423);
    await error(await call('POST', `/items/${dir.id}/children`, { body: { name: 'sub', kind: 'folder' } }), 423);
    // Bob's token does not make Alice its owner.
    await error(await call('POST', `/items/${dir.id}/children`, { body: { name: 'sub', kind: 'folder' }, headers: { 'lock-token': lock.token } }), 423);
    expect((await upload(k.url, { ...bob.auth, 'lock-token': `<${lock.token}>` }, dir.id, [{ name: 'b.txt', data: 'b' }])).status).toBe(201);
    // Bob may not break what he cannot; Alice owns the space and may.
    await error(await call('DELETE', `/items/${space.rootId}/lock`, { auth: bob.auth }), 403);
    expect((await call('DELETE', `/items/${dir.id}/lock`)).status).toBe(204);
    expect((await upload(k.url, alice.auth, dir.id, [{ name: 'a.txt', data: 'a' }])).status).toBe(201);
    // A depth-0 lock guards the folder's membership, not its members' content: a new version by name passes.
    const d0 = await json(await call('POST', `/items/${dir.id}/lock`, { auth: bob.auth, body: { depth: 0 } }));
    await error(await upload(k.url, alice.auth, dir.id, [{ name: 'c.txt', data: 'c' }]), 423);
    const versioned = await upload(k.url, alice.auth, dir.id, [{ name: 'a.txt', data: 'a2' }], '?onConflict=version');
    expect(versioned.status).toBe(201);
    expect((await json(versioned)).items[0].version).toBe(2);
    expect((await call('DELETE', `/items/${dir.id}/lock`, { auth: bob.auth, headers: { 'lock-token': d0.token } })).status).toBe(204);
  });

  it('answers ETags and judges If-Match, If-None-Match on every write (412), refusing malformed ones (400)', async () => {
    const dir = await mkdir(alice.rootId, 'cond');
    const got = await call('GET', `/items/${dir.id}`);
    const dirTag = got.headers.get('etag')!;
    expect(dirTag).toMatch(/^"dir-[0-9a-f]{32}"$/);
    const f = await uploadOne(k.url, alice.auth, dir.id, 'c.txt', 'one');
    expect((await call('GET', `/items/${f.id}`)).headers.get('etag')).toBe(`"${f.sha256}"`);

    const renamed = await call('PATCH', `/items/${dir.id}`, { body: { name: 'cond2' }, headers: { 'if-match': dirTag } });
    expect(renamed.status).toBe(200);
    const newTag = renamed.headers.get('etag');
    expect(newTag).not.toBe(dirTag);
    expect(await error(await call('PATCH', `/items/${dir.id}`, { body: { name: 'cond3' }, headers: { 'if-match': dirTag } }), 412)).toMatchObject({ code: 'precondition_failed', details: { etag: newTag!.slice(1, -1) } });
    await error(await call('DELETE', `/items/${dir.id}`, { headers: { 'if-match': dirTag } }), 412);
    await error(await call('POST', `/items/${dir.id}/move`, { body: { parentId: alice.rootId, name: 'x' }, headers: { 'if-match': '"nope", W/"also-no"' } }), 412);

    const usage = async () => (await json(await call('GET', `/spaces/${alice.spaceId}`))).usage;
    const before = await usage();
    await error(await fetch(`${k.url}/api/v1/items/${f.id}/versions`, { method: 'POST', headers: { ...alice.auth, 'if-match': '"stale"' }, body: 'two' }), 412);
    await error(await fetch(`${k.url}/api/v1/items/${f.id}/versions`, { method: 'POST', headers: { ...alice.auth, 'if-none-match': '*' }, body: 'two' }), 412);
    expect(await usage()).toEqual(before);
    const v2 = await fetch(`${k.url}/api/v1/items/${f.id}/versions`, { method: 'POST', headers: { ...alice.auth, 'if-match': `"${f.sha256}"` }, body: 'two' });
    expect(v2.status).toBe(201);
    expect(v2.headers.get('etag')).toBe(`"${(await json(v2)).sha256}"`);

    // If-None-Match: * creates only: a taken name is 412 (not 409, not renamed), a free one 201.
    await error(await upload(k.url, { ...alice.auth, 'if-none-match': '*' }, dir.id, [{ name: 'c.txt', data: 'x' }], '?onConflict=rename'), 412);
    await error(await call('POST', `/items/${dir.id}/children`, { body: { name: 'c.txt', kind: 'folder' }, headers: { 'if-none-match': '*' } }), 412);
    expect((await upload(k.url, { ...alice.auth, 'if-none-match': '*' }, dir.id, [{ name: 'd.txt', data: 'x' }])).status).toBe(201);
    expect((await json(await call('GET', `/items/${dir.id}/children`))).items.map((i: { name: string }) => i.name)).toEqual(['c.txt', 'd.txt']);

    expect(await error(await call('PATCH', `/items/${f.id}`, { body: { description: 'x' }, headers: { 'if-match': '"unterminated' } }), 400)).toMatchObject({ code: 'bad_request', details: { header: 'If-Match' } });
    await error(await call('PATCH', `/items/${f.id}`, { body: { description: 'x' }, headers: { 'if-match': '"a" "b"' } }), 400);
  });

  it('judges a resumable upload’s conditions when it opens and when it completes', async () => {
    const f = await uploadOne(k.url, alice.auth, alice.rootId, 'resume.bin', 'aaaa');
    await error(await call('POST', '/uploads', { body: { itemId: f.id, length: 4 }, headers: { 'if-match': '"stale"' } }), 412);
    const opened = await call('POST', '/uploads', { body: { key: 'cond-http', itemId: f.id, length: 4 }, headers: { 'if-match': `"${f.sha256}"` } });
    expect(opened.status).toBe(201);
    await fetch(`${k.url}/api/v1/items/${f.id}/versions`, { method: 'POST', headers: alice.auth, body: 'cccc' });
    await error(await fetch(`${k.url}/api/v1/uploads/cond-http?offset=0`, { method: 'PUT', headers: { ...alice.auth, 'content-type': 'application/octet-stream' }, body: 'bbbb' }), 412);
  });
});
