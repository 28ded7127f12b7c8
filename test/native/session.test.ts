import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { json } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

const PASSWORD = 'correct horse battery';

interface Signed {
  /** The Cookie header a browser would send back. */
  cookie: string;
  csrf: string;
  setCookie: string;
  body: { user: { id: number; username: string }; csrf: string; expiresAt: number };
}

/** Browser sessions over HTTP: the cookie's flags, CSRF on writes, sign-out, the login limiter. */
describe.each(backends)('native browser sessions (%s)', (backend) => {
  let k: TestKura;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    k = await startKura(backend, { KURA_SESSION_SECONDS: '3600' });
    alice = await k.user();
    bob = await k.user();
  });
  afterAll(() => k.stop());

  const api = (base: string, path: string) => `${base}/api/v1${path}`;

  async function signIn(base: string, username: string, password = PASSWORD): Promise<Signed> {
    const res = await fetch(api(base, '/session'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie()[0];
    const body = await json(res);
    return { cookie: setCookie.split(';')[0], csrf: body.csrf, setCookie, body };
  }

  const newFolder = (s: { cookie: string }, folderId: number, name: string, headers: Record<string, string> = {}) =>
    fetch(api(k.url, `/items/${folderId}/children`), { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name, kind: 'folder' }) });

  const names = async (folderId: number) => (await json(await fetch(api(k.url, `/items/${folderId}/children`), { headers: alice.auth }))).items.map((i: { name: string }) => i.name);

  it('signs in with a cookie that is HttpOnly, SameSite=Strict, Path=/, not Secure on http, and answers the user and CSRF value', async () => {
    const s = await signIn(k.url, alice.username);
    const attrs = s.setCookie.split(';').map((a) => a.trim());
    expect(s.cookie).toMatch(/^kura-session=kura_[A-Za-z0-9_-]+$/);
    expect(attrs).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=3600']));
    expect(attrs).not.toContain('Secure');
    expect(s.body.user).toMatchObject({ id: alice.id, username: alice.username });
    expect(s.body.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.body.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
    // The CSRF value is no secret of the cookie's: it does not reveal the token.
    expect(s.cookie).not.toContain(s.body.csrf);
    // A read needs only the cookie; GET /session tells the page who it is and its CSRF value again.
    const me = await fetch(api(k.url, '/me'), { headers: { cookie: `other=1; ${s.cookie}` } });
    expect(me.status).toBe(200);
    expect((await json(me)).id).toBe(alice.id);
    const again = await fetch(api(k.url, '/session'), { headers: { cookie: s.cookie } });
    expect(again.headers.get('cache-control')).toBe('no-store');
    expect(await json(again)).toEqual(s.body);
    // The session is one of the user's tokens, labelled web, revocable like the others.
    const tokens = (await json(await fetch(api(k.url, '/tokens'), { headers: alice.auth }))).tokens;
    expect(tokens.filter((t: { label: string }) => t.label === 'web').length).toBeGreaterThan(0);
  });

  it('sets Secure and the __Host- name when PUBLIC_URL is https', async () => {
    const tls = await startKura(backend, { PUBLIC_URL: 'https://files.example.test' });
    try {
      const u = await tls.user();
      const s = await signIn(tls.url, u.username);
      expect(s.cookie).toMatch(/^__Host-kura-session=kura_/);
      expect(s.setCookie.split(';').map((a) => a.trim())).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', 'Secure']));
      expect((await fetch(api(tls.url, '/me'), { headers: { cookie: s.cookie } })).status).toBe(200);
      // The plain name means nothing there.
      expect((await fetch(api(tls.url, '/me'), { headers: { cookie: s.cookie.replace('__Host-', '') } })).status).toBe(401);
    } finally {
      await tls.stop();
    }
  });

  it('refuses a write with the cookie but without its CSRF header (403, nothing changes); with it, the write is done', async () => {
    const s = await signIn(k.url, alice.username);
    const missing = await newFolder(s, alice.rootId, 'no-csrf');
    expect(missing.status).toBe(403);
    expect((await json(missing)).error).toMatchObject({ code: 'forbidden', details: { csrf: 'missing' } });
    const other = await signIn(k.url, alice.username);
    const wrong = await newFolder(s, alice.rootId, 'wrong-csrf', { 'x-kura-csrf': other.csrf });
    expect(wrong.status).toBe(403);
    expect((await json(wrong)).error).toMatchObject({ code: 'forbidden', details: { csrf: 'wrong' } });
    expect(await names(alice.rootId)).not.toEqual(expect.arrayContaining(['no-csrf']));
    expect(await names(alice.rootId)).not.toEqual(expect.arrayContaining(['wrong-csrf']));
    const ok = await newFolder(s, alice.rootId, 'with-csrf', { 'x-kura-csrf': s.csrf });
    expect(ok.status).toBe(201);
    expect(await names(alice.rootId)).toContain('with-csrf');
  });

  it('takes the cookie on tus uploads under /api/v1 too, with the CSRF header on writes', async () => {
    const s = await signIn(k.url, alice.username);
    const create = (headers: Record<string, string>) =>
      fetch(`${k.url}/api/v1/tus/`, {
        method: 'POST',
        headers: { cookie: s.cookie, 'tus-resumable': '1.0.0', 'upload-length': '3', 'upload-metadata': `filename ${Buffer.from('t.txt').toString('base64')}`, ...headers },
      });
    expect((await create({})).status).toBe(403);
    expect((await create({ 'x-kura-csrf': s.csrf })).status).toBe(201);
  });

  it('signs out: DELETE /session needs the CSRF header, revokes the session and clears the cookie; the old cookie is 401 after', async () => {
    const s = await signIn(k.url, alice.username);
    expect((await fetch(api(k.url, '/session'), { method: 'DELETE', headers: { cookie: s.cookie } })).status).toBe(403);
    expect((await fetch(api(k.url, '/me'), { headers: { cookie: s.cookie } })).status).toBe(200);
    const out = await fetch(api(k.url, '/session'), { method: 'DELETE', headers: { cookie: s.cookie, 'x-kura-csrf': s.csrf } });
    expect(out.status).toBe(204);
    const cleared = out.headers.getSetCookie()[0].split(';').map((a) => a.trim());
    expect(cleared).toEqual(expect.arrayContaining(['kura-session=', 'Max-Age=0', 'Path=/']));
    const after = await fetch(api(k.url, '/me'), { headers: { cookie: s.cookie } });
    expect(after.status).toBe(401);
    expect((await json(after)).error.code).toBe('unauthorized');
    expect((await fetch(api(k.url, '/session'), { headers: { cookie: s.cookie } })).status).toBe(401);
  });

  it('a Bearer token beside the cookie decides alone: no CSRF header needed, the cookie ignored', async () => {
    const s = await signIn(k.url, alice.username);
    const me = await fetch(api(k.url, '/me'), { headers: { cookie: s.cookie, ...bob.auth } });
    expect((await json(me)).id).toBe(bob.id);
    const made = await newFolder(s, bob.rootId, 'bearer-wins', bob.auth);
    expect(made.status).toBe(201);
    // A wrong Bearer token is refused even with a good cookie; so is any other Authorization scheme.
    expect((await fetch(api(k.url, '/me'), { headers: { cookie: s.cookie, authorization: 'Bearer kura_unknown' } })).status).toBe(401);
    expect((await fetch(api(k.url, '/me'), { headers: { cookie: s.cookie, authorization: 'Basic Zm9vOmJhcg==' } })).status).toBe(401);
    // The session endpoints speak only of the cookie.
    expect((await fetch(api(k.url, '/session'), { headers: bob.auth })).status).toBe(401);
  });

  it('takes only a JSON sign-in (no form from another site), with a wrong password answered 401 and no cookie', async () => {
    const form = await fetch(api(k.url, '/session'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: alice.username, password: PASSWORD }) });
    expect(form.status).toBe(415);
    expect(form.headers.getSetCookie()).toEqual([]);
    const wrong = await fetch(api(k.url, '/session'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: alice.username, password: 'not the password' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('counts failed sign-ins like login: past the account limit, 429 with Retry-After even for the right password', async () => {
    const carol = await k.user();
    const attempt = (password: string) => fetch(api(k.url, '/session'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: carol.username, password }) });
    for (let i = 0; i < 10; i++) expect((await attempt(`wrong guess ${i}`)).status).toBe(401);
    const limited = await attempt(PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.getSetCookie()).toEqual([]);
  });
});
