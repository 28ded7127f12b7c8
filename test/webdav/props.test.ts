import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/index.js';
import { ActorType } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { TEST_PASSWORD } from '../helpers/password.js';

const basicAuth = (username: string) => ({ Authorization: `Basic ${Buffer.from(`${username}:${TEST_PASSWORD}`).toString('base64')}` });
const update = (inner: string) => `<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:z="urn:z">${inner}</d:propertyupdate>`;
const statusOf = (xml: string, prop: string) => new RegExp(`<${prop}[^>]*/>.*?</d:prop><d:status>HTTP/1.1 (\\d+)`, 's').exec(xml)?.[1];

describe.each(backends)('WebDAV PROPPATCH and dead properties (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let actor: Actor;
  let base: string;
  const dav = (path: string, method: string, headers: Record<string, string> = {}, data?: string) =>
    fetch(`${base}${path}`, { method, headers: { ...basicAuth(u.username), ...headers }, body: data });
  const patch = (path: string, inner: string, headers: Record<string, string> = {}) => dav(path, 'PROPPATCH', { 'Content-Type': 'application/xml', ...headers }, update(inner));
  const find = async (path: string, inner = '', depth = '0', headers: Record<string, string> = {}) =>
    (await dav(path, 'PROPFIND', { Depth: depth, 'Content-Type': 'application/xml', ...headers }, inner ? `<d:propfind xmlns:d="DAV:" xmlns:z="urn:z">${inner}</d:propfind>` : undefined)).text();
  const stored = async (path: string) => (await k.core.deadProps.of(actor, (await k.core.paths.resolve(actor, u.spaceId, path)).id)).map((p) => `${p.ns} ${p.name}=${p.xml}`).sort();

  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    actor = { userId: u.id, role: 'user' };
    base = `${k.url}/dav/${encodeURIComponent(u.username)}`;
    await dav('/doc.txt', 'PUT', {}, 'text');
  });
  afterAll(() => k?.stop());

  it('sets and removes properties in any namespace: nested XML, high Unicode and no namespace round-trip', async () => {
    const res = await patch(
      '/doc.txt',
      '<d:set><d:prop><z:colour>blue &amp; green</z:colour><z:nested><z:a>1</z:a>text<b xmlns="urn:other">2</b></z:nested><plain xmlns="">😀 \u{10348}</plain></d:prop></d:set>',
    );
    expect(res.status).toBe(207);
    const answer = await res.text();
    expect(statusOf(answer, 'x:colour')).toBe('200');
    const xml = await find('/doc.txt', '<d:prop><z:colour/><z:nested/><plain xmlns=""/><z:absent/></d:prop>');
    expect(xml).toContain('<x:colour xmlns:x="urn:z">blue &amp; green</x:colour>');
    expect(xml).toContain('<x:nested xmlns:x="urn:z"><k:a xmlns:k="urn:z">1</k:a>text<k:b xmlns:k="urn:other">2</k:b></x:nested>');
    expect(xml).toContain('<plain xmlns="">😀 \u{10348}</plain>');
    expect(statusOf(xml, 'x:absent')).toBe('404');
    // allprop and propname show them beside the live ones.
    expect(await find('/doc.txt')).toContain('blue &amp; green');
    expect(await find('/doc.txt', '<d:propname/>')).toContain('<x:colour xmlns:x="urn:z"/>');
    // A depth-1 listing carries each child's properties.
    expect(await find('/', '', '1')).toContain('blue &amp; green');
    await patch('/doc.txt', '<d:remove><d:prop><z:nested/></d:prop></d:remove><d:set><d:prop><z:colour>red</z:colour></d:prop></d:set>');
    expect(await stored('/doc.txt')).toEqual([` plain=😀 \u{10348}`, 'urn:z colour=red']);
  });

  it('is all or nothing: a live property is 403 and the others 424; past 64 KiB a value or 1 MiB an item, 507; nothing changes', async () => {
    const before = await stored('/doc.txt');
    const live = await (await patch('/doc.txt', '<d:set><d:prop><z:colour>green</z:colour><d:getcontentlength>1</d:getcontentlength></d:prop></d:set>')).text();
    expect(statusOf(live, 'd:getcontentlength')).toBe('403');
    expect(statusOf(live, 'x:colour')).toBe('424');
    const big = await (await patch('/doc.txt', `<d:set><d:prop><z:colour>green</z:colour><z:huge>${'x'.repeat(64 * 1024 + 1)}</z:huge></d:prop></d:set>`)).text();
    expect(statusOf(big, 'x:huge'), big.slice(0, 500)).toBe('507');
    expect(statusOf(big, 'x:colour')).toBe('424');
    expect(await stored('/doc.txt')).toEqual(before);
    // 15 values of 63 KiB fit one body and one item; two more do not fit the item.
    const values = (from: number, n: number) => Array.from({ length: n }, (_, i) => `<z:p${from + i}>${'y'.repeat(63 * 1024)}</z:p${from + i}>`).join('');
    expect(statusOf(await (await patch('/doc.txt', `<d:set><d:prop>${values(0, 15)}</d:prop></d:set>`)).text(), 'x:p0')).toBe('200');
    const filled = await stored('/doc.txt');
    const full = await (await patch('/doc.txt', `<d:set><d:prop>${values(15, 2)}</d:prop></d:set>`)).text();
    expect(statusOf(full, 'x:p15')).toBe('507');
    expect(await stored('/doc.txt')).toEqual(filled);
    await patch('/doc.txt', `<d:remove><d:prop>${Array.from({ length: 15 }, (_, i) => `<z:p${i}/>`).join('')}</d:prop></d:remove>`);
    expect(await stored('/doc.txt')).toEqual(before);
    // Malformed bodies are 400.
    expect((await dav('/doc.txt', 'PROPPATCH', { 'Content-Type': 'application/xml' }, '<d:propfind xmlns:d="DAV:"/>')).status).toBe(400);
    expect((await dav('/doc.txt', 'PROPPATCH', { 'Content-Type': 'application/xml' }, update(''))).status).toBe(400);
    expect((await patch('/missing.txt', '<d:set><d:prop><z:a>1</z:a></d:prop></d:set>')).status).toBe(404);
  });

  it('properties follow MOVE and COPY (folders too) and go with the trash', async () => {
    await dav('/dir', 'MKCOL');
    await dav('/dir/in.txt', 'PUT', {}, 'in');
    await patch('/dir', '<d:set><d:prop><z:tag>folder</z:tag></d:prop></d:set>');
    await patch('/dir/in.txt', '<d:set><d:prop><z:tag>inside</z:tag></d:prop></d:set>');
    expect((await dav('/dir', 'COPY', { Destination: `${base}/dir2` })).status).toBe(201);
    expect(await stored('/dir2')).toEqual(['urn:z tag=folder']);
    expect(await stored('/dir2/in.txt')).toEqual(['urn:z tag=inside']);
    expect((await dav('/dir2', 'MOVE', { Destination: `${base}/dir3` })).status).toBe(201);
    expect(await stored('/dir3/in.txt')).toEqual(['urn:z tag=inside']);
    // The original kept its own.
    expect(await stored('/dir/in.txt')).toEqual(['urn:z tag=inside']);
  });

  it('needs the right to edit, honours read-only tokens, and hides what the caller may not see', async () => {
    const viewer = await k.user();
    const group = await k.core.spaces.create(actor, { kind: 'group', name: `Props-${backend}` });
    await k.core.spaces.setMember(actor, group.id, viewer.id, 'viewer');
    const groupUrl = `${k.url}/dav/${encodeURIComponent(`Props-${backend}`)}`;
    await fetch(`${groupUrl}/seen.txt`, { method: 'PUT', headers: basicAuth(u.username), body: 's' });
    await fetch(`${groupUrl}/hidden.txt`, { method: 'PUT', headers: basicAuth(u.username), body: 'h' });
    for (const f of ['seen.txt', 'hidden.txt']) {
      await fetch(`${groupUrl}/${f}`, { method: 'PROPPATCH', headers: { ...basicAuth(u.username), 'Content-Type': 'application/xml' }, body: update(`<d:set><d:prop><z:secret>${f}-value</z:secret></d:prop></d:set>`) });
    }
    const hidden = await k.core.paths.resolve(actor, group.id, '/hidden.txt');
    await k.core.acl.apply(actor, [{ op: 'add', itemId: hidden.id, actorType: ActorType.USER, actorId: viewer.id, mask: 0 }]);
    const asViewer = await (await fetch(`${groupUrl}/`, { method: 'PROPFIND', headers: { ...basicAuth(viewer.username), Depth: '1' } })).text();
    expect(asViewer).toContain('seen.txt-value');
    expect(asViewer).not.toContain('hidden.txt');
    const refused = await fetch(`${groupUrl}/seen.txt`, { method: 'PROPPATCH', headers: { ...basicAuth(viewer.username), 'Content-Type': 'application/xml' }, body: update('<d:set><d:prop><z:x>1</z:x></d:prop></d:set>') });
    expect(refused.status).toBe(403);
    const { token } = await k.core.tokens.create(u.id, { readOnly: true, by: actor });
    const readOnly = { Authorization: `Basic ${Buffer.from(`${u.username}:${token}`).toString('base64')}` };
    expect((await fetch(`${base}/doc.txt`, { method: 'PROPPATCH', headers: { ...readOnly, 'Content-Type': 'application/xml' }, body: update('<d:set><d:prop><z:x>1</z:x></d:prop></d:set>') })).status).toBe(403);
  });
});
