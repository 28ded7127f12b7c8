import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActorType } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { body, bytes, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { TEST_PASSWORD } from '../helpers/password.js';

const basicAuth = (u: TestUser, secret = TEST_PASSWORD) => ({ Authorization: `Basic ${Buffer.from(`${u.username}:${secret}`).toString('base64')}` });

/** The hrefs of a multistatus, in order. */
const hrefs = (xml: string) => [...xml.matchAll(/<d:href>([^<]*)<\/d:href>/g)].map((m) => m[1]);
/** The text of one property in the response for `href`. */
function propIn(xml: string, href: string, prop: string): string | undefined {
  const resp = [...xml.matchAll(/<d:response>(.*?)<\/d:response>/gs)].map((m) => m[1]).find((r) => r.includes(`<d:href>${href}</d:href>`));
  if (!resp) return undefined;
  const ok = resp.split('<d:propstat>').find((p) => p.includes('HTTP/1.1 200 OK'));
  const m = ok?.match(new RegExp(`<${prop}>(.*?)</${prop}>|<${prop}/>`, 's'));
  return m ? (m[1] ?? '') : undefined;
}

describe.each(backends)('WebDAV reads: OPTIONS, PROPFIND, GET (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let other: TestUser;
  let dav: string;
  const propfind = (path: string, depth: string | undefined, xml?: string, headers: Record<string, string> = basicAuth(u)) =>
    fetch(`${dav}${path}`, { method: 'PROPFIND', headers: { ...headers, ...(depth === undefined ? {} : { Depth: depth }), ...(xml ? { 'Content-Type': 'application/xml' } : {}) }, body: xml });

  beforeAll(async () => {
    k = await startKura(backend);
    dav = `${k.url}/dav`;
    u = await k.user();
    other = await k.user();
    const docs = await k.core.changes.createFolder({ userId: u.id, role: 'user' }, u.rootId, 'Docs & Notes');
    await uploadOne(k.url, u.auth, docs.id, 'a #1%.txt', 'hello');
    await uploadOne(k.url, u.auth, u.rootId, 'café.txt', 'crème');
  });
  afterAll(() => k?.stop());

  it('answers OPTIONS anywhere under /dav without a credential: DAV class and MS-Author-Via', async () => {
    for (const path of ['/', '/anything/at/all']) {
      const res = await fetch(`${dav}${path}`, { method: 'OPTIONS' });
      expect(res.status).toBe(200);
      expect(res.headers.get('dav')).toBe('1, 2');
      expect(res.headers.get('ms-author-via')).toBe('DAV');
      expect(res.headers.get('allow')).toContain('PROPFIND');
    }
  });

  it('asks for Basic credentials (UTF-8) and takes a password, a token as password, or a Bearer token', async () => {
    const none = await propfind('/', '0', undefined, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="Kura", charset="UTF-8"');
    expect(none.headers.get('content-type')).toMatch(/^application\/xml/);
    expect((await propfind('/', '0', undefined, basicAuth(u, 'wrong password'))).status).toBe(401);
    expect((await propfind('/', '0', undefined, basicAuth(u))).status).toBe(207);
    expect((await propfind('/', '0', undefined, basicAuth(u, u.token))).status).toBe(207);
    expect((await propfind('/', '0', undefined, u.auth)).status).toBe(207);
    // Another user's token under this user's name is refused.
    expect((await propfind('/', '0', undefined, basicAuth(u, other.token))).status).toBe(401);
  });

  it('lists the caller spaces at /dav/ and a space root with its children, hrefs encoded, collections ending in /', async () => {
    const root = await propfind('/', '1');
    expect(root.status).toBe(207);
    const xml = await root.text();
    const space = (await k.core.spaces.get({ userId: u.id, role: 'user' }, u.spaceId)).name;
    const spaceHref = `/dav/${encodeURIComponent(space)}/`;
    expect(hrefs(xml)).toEqual(['/dav/', spaceHref]);
    expect(hrefs(xml).some((h) => h.includes(encodeURIComponent(other.username)))).toBe(false);
    expect(propIn(xml, spaceHref, 'd:resourcetype')).toBe('<d:collection/>');

    const listed = await (await propfind(spaceHref.slice(4), '1')).text();
    expect(hrefs(listed)).toEqual([spaceHref, `${spaceHref}Docs%20%26%20Notes/`, `${spaceHref}caf%C3%A9.txt`]);
    expect(propIn(listed, `${spaceHref}caf%C3%A9.txt`, 'd:getcontentlength')).toBe(String(Buffer.byteLength('crème')));
    expect(propIn(listed, `${spaceHref}caf%C3%A9.txt`, 'd:getcontenttype')).toMatch(/^text\/plain/);
    expect(propIn(listed, `${spaceHref}caf%C3%A9.txt`, 'd:getetag')).toMatch(/^&quot;[0-9a-f]{64}&quot;$/);
    expect(propIn(listed, `${spaceHref}caf%C3%A9.txt`, 'd:getlastmodified')).toMatch(/GMT$/);
    expect(propIn(listed, `${spaceHref}Docs%20%26%20Notes/`, 'd:displayname')).toBe('Docs &amp; Notes');

    // A folder without its trailing slash is served, never redirected; a name sent decomposed finds its twin.
    const docs = await propfind(`/${encodeURIComponent(space)}/Docs%20%26%20Notes`, '1');
    expect(docs.status).toBe(207);
    expect(hrefs(await docs.text())).toEqual([`${spaceHref}Docs%20%26%20Notes/`, `${spaceHref}Docs%20%26%20Notes/a%20%231%25.txt`]);
    const nfd = await propfind(`/${encodeURIComponent(space)}/${encodeURIComponent('café.txt'.normalize('NFD'))}`, '0');
    expect(nfd.status).toBe(207);
    expect(hrefs(await nfd.text())).toEqual([`${spaceHref}caf%C3%A9.txt`]);
    // The space by its id finds the same resource.
    expect((await propfind(`/${u.spaceId}/`, '0')).status).toBe(207);
  });

  it('answers named properties, 404 for unknown ones, propname, and quota only when asked', async () => {
    const space = encodeURIComponent((await k.core.spaces.get({ userId: u.id, role: 'user' }, u.spaceId)).name);
    const asked = await propfind(
      `/${space}/`,
      '0',
      '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:z="urn:z"><d:prop><d:quota-used-bytes/><d:getcontentlength/><z:colour/><d:resourcetype/></d:prop></d:propfind>',
    );
    expect(asked.status).toBe(207);
    const xml = await asked.text();
    expect(propIn(xml, `/dav/${space}/`, 'd:quota-used-bytes')).toMatch(/^\d+$/);
    expect(xml).toMatch(/<d:propstat><d:prop><d:getcontentlength\/><x:colour xmlns:x="urn:z"\/><\/d:prop><d:status>HTTP\/1.1 404 Not Found<\/d:status>/);
    const all = await (await propfind(`/${space}/`, '0')).text();
    expect(all).not.toContain('quota-used-bytes');
    const names = await (await propfind(`/${space}/café.txt`, '0', '<d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>')).text();
    expect(names).toContain('<d:getcontentlength/>');
    expect(names).not.toMatch(/<d:getcontentlength>\d/);
  });

  it('refuses Depth infinity (also when absent) with propfind-finite-depth, and a bad Depth', async () => {
    for (const depth of ['infinity', undefined]) {
      const res = await propfind('/', depth);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('<d:propfind-finite-depth/>');
    }
    expect((await propfind('/', '2')).status).toBe(400);
  });

  it('refuses hostile XML bodies: DTDs and entities, malformed XML, too deep, too many elements, too large; none changes anything', async () => {
    const bodies = [
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><d:propfind xmlns:d="DAV:"><d:prop>&y;</d:prop></d:propfind>',
      '<d:propfind xmlns:d="DAV:"><d:prop>&undeclared;</d:prop></d:propfind>',
      '<d:propfind xmlns:d="DAV:"><d:prop></d:propfind>',
      '<x:propfind xmlns:d="DAV:"/>',
      `<d:propfind xmlns:d="DAV:">${'<d:a>'.repeat(40)}${'</d:a>'.repeat(40)}</d:propfind>`,
      `<d:propfind xmlns:d="DAV:"><d:prop>${'<d:displayname/>'.repeat(10_001)}</d:prop></d:propfind>`,
      '<d:lockinfo xmlns:d="DAV:"/>',
    ];
    for (const xml of bodies) {
      const res = await propfind('/', '0', xml);
      expect(res.status, xml.slice(0, 60)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    }
    const huge = await propfind('/', '0', `<d:propfind xmlns:d="DAV:"><d:prop>${' '.repeat(1024 * 1024)}</d:prop></d:propfind>`);
    expect(huge.status).toBe(413);
  });

  it('serves a file with GET and HEAD (range, attachment, ETag); a collection has no GET; unknown paths and other people are 404', async () => {
    const space = encodeURIComponent((await k.core.spaces.get({ userId: u.id, role: 'user' }, u.spaceId)).name);
    const got = await fetch(`${dav}/${space}/caf%C3%A9.txt`, { headers: basicAuth(u) });
    expect(got.status).toBe(200);
    expect((await body(got)).toString()).toBe('crème');
    expect(got.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    const ranged = await fetch(`${dav}/${space}/caf%C3%A9.txt`, { headers: { ...basicAuth(u), Range: 'bytes=0-1' } });
    expect(ranged.status).toBe(206);
    expect((await body(ranged)).toString()).toBe('cr');
    const head = await fetch(`${dav}/${space}/caf%C3%A9.txt`, { method: 'HEAD', headers: basicAuth(u) });
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength('crème')));
    // A file too large for the in-memory path streams whole.
    const large = bytes(3 * 1024 * 1024 + 5, 9);
    expect((await uploadOne(k.url, u.auth, u.rootId, 'large.bin', large)).size).toBe(large.length);
    const streamed = await fetch(`${dav}/${space}/large.bin`, { headers: basicAuth(u) });
    expect(streamed.headers.get('content-length')).toBe(String(large.length));
    expect((await body(streamed)).equals(large)).toBe(true);
    const folder = await fetch(`${dav}/${space}/Docs%20%26%20Notes/`, { headers: basicAuth(u) });
    expect(folder.status).toBe(405);
    expect(folder.headers.get('allow')).toContain('PROPFIND');
    expect((await fetch(`${dav}/${space}/nothing-here.txt`, { headers: basicAuth(u) })).status).toBe(404);
    expect((await propfind(`/${space}/nothing-here/`, '0')).status).toBe(404);
    // Another user's space is not there for this one, by name or by id.
    expect((await propfind(`/${other.spaceId}/`, '0')).status).toBe(404);
    expect((await fetch(`${dav}/${space}/caf%C3%A9.txt`, { headers: basicAuth(other) })).status).toBe(404);
    expect((await propfind('/%E0%A4%A/', '0')).status).toBe(400);
  });

  it('leaves out of listings what the caller may not see (an ACL entry hides it)', async () => {
    const owner = { userId: u.id, role: 'user' as const };
    const group = await k.core.spaces.create(owner, { kind: 'group', name: 'Team' });
    await k.core.spaces.setMember(owner, group.id, other.id, 'member');
    const seen = await k.core.changes.createFolder(owner, group.rootId, 'seen');
    const secret = await k.core.changes.createFolder(owner, group.rootId, 'secret');
    await k.core.acl.apply(owner, [{ op: 'add', itemId: secret.id, actorType: ActorType.USER, actorId: other.id, mask: 0 }]);
    const mine = hrefs(await (await propfind('/Team/', '1')).text());
    expect(mine).toEqual(['/dav/Team/', '/dav/Team/secret/', '/dav/Team/seen/']);
    const theirs = hrefs(await (await propfind('/Team/', '1', undefined, basicAuth(other))).text());
    expect(theirs).toEqual(['/dav/Team/', '/dav/Team/seen/']);
    expect((await propfind('/Team/secret/', '0', undefined, basicAuth(other))).status).toBe(404);
    expect(seen.name).toBe('seen');
  });
});
