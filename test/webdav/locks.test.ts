import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { body } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { TEST_PASSWORD } from '../helpers/password.js';

const basicAuth = (username: string) => ({ Authorization: `Basic ${Buffer.from(`${username}:${TEST_PASSWORD}`).toString('base64')}` });
const lockinfo = (scope = 'exclusive', owner = '<d:href>mailto:me@example.test</d:href>') =>
  `<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:${scope}/></d:lockscope><d:locktype><d:write/></d:locktype><d:owner>${owner}</d:owner></d:lockinfo>`;

describe.each(backends)('WebDAV locks: LOCK, UNLOCK, If, lockdiscovery (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let other: TestUser;
  let actor: Actor;
  let base: string;
  const dav = (path: string, method: string, headers: Record<string, string> = {}, data?: string, who: TestUser = u) =>
    fetch(`${base}${path}`, { method, headers: { ...basicAuth(who.username), ...headers }, body: data });
  const lock = async (path: string, headers: Record<string, string> = {}, scope = 'exclusive', who: TestUser = u) => {
    const res = await dav(path, 'LOCK', { 'Content-Type': 'application/xml', Timeout: 'Second-600', ...headers }, lockinfo(scope), who);
    return { res, token: /<(opaquelocktoken:[^>]+)>/.exec(res.headers.get('lock-token') ?? '')?.[1], xml: await res.text() };
  };

  beforeAll(async () => {
    k = await startKura(backend, { KURA_LOCK_MAX_SECONDS: '3600' });
    u = await k.user();
    other = await k.user();
    actor = { userId: u.id, role: 'user' };
    base = `${k.url}/dav/${encodeURIComponent(u.username)}`;
  });
  afterAll(() => k?.stop());

  it('announces class 2 and answers lockdiscovery and supportedlock', async () => {
    expect((await fetch(`${base}/`, { method: 'OPTIONS' })).headers.get('dav')).toBe('1, 2');
    await dav('/a.txt', 'PUT', {}, 'a');
    const { res, token, xml } = await lock('/a.txt');
    expect(res.status).toBe(200);
    expect(token).toBeDefined();
    expect(xml).toContain('<d:lockscope><d:exclusive/></d:lockscope>');
    expect(xml).toContain('<d:owner><k:href xmlns:k="DAV:">mailto:me@example.test</k:href></d:owner>');
    expect(xml).toContain('<d:timeout>Second-600</d:timeout>');
    expect(xml).toContain(`<d:lockroot><d:href>/dav/${encodeURIComponent(u.username)}/a.txt</d:href></d:lockroot>`);
    const found = await (await dav('/a.txt', 'PROPFIND', { Depth: '0' })).text();
    expect(found).toContain(`<d:locktoken><d:href>${token}</d:href></d:locktoken>`);
    expect(found).toContain('<d:supportedlock><d:lockentry>');
    const listed = await (await dav('/', 'PROPFIND', { Depth: '1' })).text();
    expect(listed).toContain(token);
    expect((await dav('/a.txt', 'UNLOCK', { 'Lock-Token': `<${token}>` })).status).toBe(204);
  });

  it('a lock stops writes without its token, through WebDAV and the native API; the token in If lets them through', async () => {
    await dav('/b.txt', 'PUT', {}, 'b');
    const { token } = await lock('/b.txt');
    expect((await dav('/b.txt', 'PUT', {}, 'nope')).status).toBe(423);
    expect((await dav('/b.txt', 'DELETE')).status).toBe(423);
    expect((await dav('/b.txt', 'MOVE', { Destination: `${base}/moved.txt` })).status).toBe(423);
    const item = await k.core.paths.resolve(actor, u.spaceId, '/b.txt');
    const native = await fetch(`${k.url}/api/v1/items/${item.id}`, { method: 'PATCH', headers: { ...u.auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'renamed.txt' }) });
    expect(native.status).toBe(423);
    expect((await dav('/b.txt', 'PUT', { If: `(<${token}>)` }, 'yes')).status).toBe(204);
    expect((await body(await dav('/b.txt', 'GET'))).toString()).toBe('yes');
    // A tagged list naming the resource, and a list with its ETag.
    const etag = (await k.core.paths.resolve(actor, u.spaceId, '/b.txt')).sha256;
    expect((await dav('/b.txt', 'PUT', { If: `<${base}/b.txt> (<${token}> ["${etag}"])` }, 'again')).status).toBe(204);
    // A list that does not hold is 412; a wrong token alone, 412; nonsense, 400.
    expect((await dav('/b.txt', 'PUT', { If: `(<${token}> ["not-the-etag"])` }, 'x')).status).toBe(412);
    expect((await dav('/b.txt', 'PUT', { If: '(<opaquelocktoken:nope>)' }, 'x')).status).toBe(412);
    expect((await dav('/b.txt', 'PUT', { If: 'garbage' }, 'x')).status).toBe(400);
    expect((await dav('/b.txt', 'PUT', { If: '<http://[bad> (<opaquelocktoken:x>)' }, 'x')).status).toBe(412);
    expect((await dav('/b.txt', 'PUT', { If: `<${base}/elsewhere.txt> (<${token}>)` }, 'x')).status).toBe(412);
    // (Not <no-lock>) holds, but without the token the lock still stops the write.
    expect((await dav('/b.txt', 'PUT', { If: '(Not <DAV:no-lock>)' }, 'x')).status).toBe(423);
    // Someone else cannot take or release it.
    expect((await lock('/b.txt', {}, 'exclusive', other)).res.status).toBe(404);
    expect((await dav('/b.txt', 'UNLOCK', { 'Lock-Token': '<opaquelocktoken:other>' })).status).toBe(409);
    expect((await dav('/b.txt', 'UNLOCK', { 'Lock-Token': `<${token}>` })).status).toBe(204);
    expect((await dav('/b.txt', 'PUT', {}, 'free')).status).toBe(204);
  });

  it('LOCK on an unmapped name makes an empty file (201); refresh; shared locks; a folder lock covers its members', async () => {
    const { res, token } = await lock('/new.txt');
    expect(res.status).toBe(201);
    expect((await k.core.paths.resolve(actor, u.spaceId, '/new.txt')).size).toBe(0);
    // Windows: PUT with the token replaces the empty content.
    expect((await dav('/new.txt', 'PUT', { If: `(<${token}>)` }, 'content')).status).toBe(204);
    const refreshed = await dav('/new.txt', 'LOCK', { If: `(<${token}>)`, Timeout: 'Second-100' });
    expect(refreshed.status).toBe(200);
    expect(await refreshed.text()).toContain('<d:timeout>Second-100</d:timeout>');
    expect((await dav('/new.txt', 'LOCK', { If: '(<opaquelocktoken:unknown>)' })).status).toBe(412);
    expect((await lock('/missing/x.txt')).res.status).toBe(409);

    await dav('/shared.txt', 'PUT', {}, 's');
    expect((await lock('/shared.txt', {}, 'shared')).res.status).toBe(200);
    expect((await lock('/shared.txt', {}, 'shared')).res.status).toBe(200);
    const refused = await lock('/shared.txt');
    expect(refused.res.status).toBe(423);
    expect(refused.xml).toContain('<d:no-conflicting-lock/>');

    await dav('/dir', 'MKCOL');
    const folder = await lock('/dir', { Depth: 'infinity' });
    expect((await dav('/dir/inside.txt', 'PUT', {}, 'x')).status).toBe(423);
    expect((await dav('/dir/inside.txt', 'PUT', { If: `<${base}/dir/> (<${folder.token}>)` }, 'x')).status).toBe(201);
    const child = await (await dav('/dir/', 'PROPFIND', { Depth: '1' })).text();
    expect(child.match(new RegExp(folder.token!, 'g'))?.length).toBe(2);
    expect((await lock('/dir', { Depth: '1' })).res.status).toBe(400);
    expect((await dav('/dir', 'LOCK', { 'Content-Type': 'application/xml' }, '<d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:read/></d:locktype></d:lockinfo>')).status).toBe(400);
  });
});
