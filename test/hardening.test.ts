import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../src/http/shared/ids.js';
import { backends } from './helpers/backends.js';
import { blobOf, body, json, sha256, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';

/**
 * Regressions of what an attacker and a chaos test found in the landed API (issue 9): each
 * case failed before its fix.
 */
describe.each(backends)('hardening (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  const log: string[] = [];
  const call = (method: string, path: string, b?: unknown, headers: Record<string, string> = u.auth) =>
    fetch(`${k.url}/api/v1${path}`, { method, headers: { ...headers, ...(b === undefined ? {} : { 'content-type': 'application/json' }) }, body: b === undefined ? undefined : JSON.stringify(b) });
  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${k.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username, password }) });

  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => log.push(...chunk.toString().split('\n').filter(Boolean)));
    k = await startKura(backend, { LOG_LEVEL: 'info', KURA_TRUST_PROXY: '127.0.0.1', KURA_OPEN_REGISTRATION: 'true' }, { log: stream });
    u = await k.user();
  });
  afterAll(() => k.stop());

  it('a wildcard filter over a long name answers at once on trees (no backtracking)', async () => {
    const folder = (await json(await call('POST', `/items/${u.rootId}/children`, { name: 'patterns', kind: 'folder' }))).items[0];
    await uploadOne(k.url, u.auth, folder.id, 'a'.repeat(250), 'x');
    const q = encodeURIComponent('name==*a*a*a*a*a*a*a*a*a*a*a*a*b');
    const res = await call('GET', `/items/${folder.id}/tree?q=${q}`);
    expect(res.status).toBe(200);
    expect((await json(res)).items).toEqual([]);
    const drive = await fetch(`${k.url}/v1/file/descendants?UserToken=${u.token}&FolderId=${toObjectId(folder.id)}&ListParams=${encodeURIComponent(JSON.stringify({ Search: 'Name==*a*a*a*a*a*a*a*a*a*a*b' }))}`);
    expect(drive.status).toBe(200);
    expect((await call('GET', `/items/${folder.id}/tree?q=${encodeURIComponent(`name==${'*a'.repeat(20)}`)}`)).status).toBe(400);
  });

  it('never writes a credential into a log line', async () => {
    log.length = 0;
    const secret = 'kura_notARealTokenButSecret123';
    await fetch(`${k.url}/v1/file/children?UserToken=${secret}&FolderId=${toObjectId(u.rootId)}`);
    await fetch(`${k.url}/v1/file/children?usertoken=${u.token}&FolderId=${toObjectId(u.rootId)}`);
    await fetch(`${k.url}/v1/file/share/download?Id=${'ab'.repeat(12)}&ExtraCode=SECRETCODE9`);
    await fetch(`${k.url}/onebot/get_group_root_files?access_token=onebotsecret42&group_id=1`);
    await fetch(`${k.url}/api/v1/me?code=oauthcode77&token=anothersecret&password=hunter2hunter2`, { headers: { ...u.auth, cookie: 'session=cookiesecret' } });
    await login(u.username, 'a wrong password here');
    const all = log.join('\n');
    expect(all).toContain('/v1/file/children');
    for (const s of [secret, u.token, 'SECRETCODE9', 'onebotsecret42', 'oauthcode77', 'anothersecret', 'hunter2hunter2', 'cookiesecret', 'a wrong password here']) expect(all).not.toContain(s);
    expect(all).toContain('UserToken=[REDACTED]');
  });

  it('logs expected refusals (507 included) at info without a stack', async () => {
    const space = await json(await call('POST', '/spaces', { kind: 'group', name: 'tiny' }));
    await k.core.spaces.setQuota({ userId: u.id, role: 'admin' }, space.id, { bytes: 10 });
    log.length = 0;
    const form = new FormData();
    form.append('file', blobOf('more than ten bytes'), 'big.txt');
    expect((await fetch(`${k.url}/api/v1/items/${space.rootId}/children`, { method: 'POST', headers: u.auth, body: form })).status).toBe(507);
    const lines = log.map((l) => JSON.parse(l) as { level: number; status?: number; err?: unknown });
    expect(lines.some((l) => l.status === 507 && l.level === 30)).toBe(true);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('limits failed logins per client address (behind a trusted proxy, per forwarded address) and per account', async () => {
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    // Per address: twenty failures (on any accounts) limit that address, right password or not.
    for (let i = 0; i < 20; i++) expect((await login(`nobody${i}`, `wrong guess ${i}`, from('203.0.113.7'))).status).toBe(401);
    const limited = await login(u.username, 'correct horse battery', from('203.0.113.7'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address (the proxy is trusted to say so) is not limited by that one.
    expect((await login(u.username, 'correct horse battery', from('198.51.100.9'))).status).toBe(200);
    // Per account: ten failures from anywhere (any case of the name) stop further attempts on it for a while.
    const target = await k.user();
    for (let i = 0; i < 10; i++) expect((await login(target.username.toUpperCase(), `guess ${i}`, from(`192.0.2.${i + 1}`))).status).toBe(401);
    expect((await login(target.username, 'correct horse battery', from('192.0.2.200'))).status).toBe(429);
    expect((await login(u.username, 'correct horse battery', from('192.0.2.201'))).status).toBe(200);
  });

  it('a login flood queues password hashing and refuses what does not fit the queue', async () => {
    const flood = await Promise.all(Array.from({ length: 80 }, (_, i) => login(`nobody-${i}`, 'not the password', { 'x-forwarded-for': `10.9.${i}.1` })));
    const codes = flood.map((r) => r.status);
    expect(codes.filter((c) => c === 401).length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 401 || c === 429)).toBe(true);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0);
    // Files are still served meanwhile and afterwards.
    const f = await uploadOne(k.url, u.auth, u.rootId, 'during-flood.txt', 'still here');
    expect(await (await call('GET', `/items/${f.id}/content`)).text()).toBe('still here');
  });

  it('usernames are one account whatever their case; common and blank passwords are refused', async () => {
    const reg = (username: string, password: string) => fetch(`${k.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    expect((await reg('CaseUser', 'a fine long passphrase')).status).toBe(201);
    expect((await reg('caseuser', 'a fine long passphrase')).status).toBe(409);
    expect((await login('CASEUSER', 'a fine long passphrase')).status).toBe(200);
    for (const weak of ['12345678', 'password', 'Password1', '        ', 'aaaaaaaaaa']) expect((await reg(`weak${weak.length}${weak.charCodeAt(0)}`, weak)).status).toBe(400);
  });

  it('public links: a per-space switch, and nothing an access entry hides', async () => {
    const space = await json(await call('POST', '/spaces', { kind: 'project', name: 'links' }));
    const open = await uploadOne(k.url, u.auth, space.rootId, 'open.txt', 'public', '?public=true');
    const hidden = await uploadOne(k.url, u.auth, space.rootId, 'hidden.txt', 'not public', '?public=true');
    const resource = (id: number) => fetch(`${k.url}/v1/file/resource?Id=${toObjectId(id)}`, { headers: { 'x-forwarded-for': '100.64.0.1' } });
    expect((await resource(open.id)).status).toBe(200);
    expect((await resource(hidden.id)).status).toBe(200);
    const member = await k.user();
    expect((await call('PUT', `/spaces/${space.id}/members/${member.id}`, { role: 'member' })).status).toBe(200);
    expect((await call('POST', `/items/${hidden.id}/acl`, { actorType: 0, actorId: member.id, mask: 0 })).status).toBe(201);
    expect((await resource(hidden.id)).status).toBe(404);
    expect((await resource(open.id)).status).toBe(200);
    const off = await call('PATCH', `/spaces/${space.id}`, { publicLinks: false });
    expect(off.status).toBe(200);
    expect((await json(off)).publicLinks).toBe(false);
    expect((await resource(open.id)).status).toBe(404);
    expect((await call('PATCH', `/spaces/${space.id}`, { publicLinks: false }, member.auth)).status).toBe(403);
    expect((await call('PATCH', `/spaces/${space.id}`, { publicLinks: 'yes' })).status).toBe(400);
    // Signed-in reads are unaffected.
    expect(await (await call('GET', `/items/${open.id}/content`)).text()).toBe('public');
  });

  it('a request body that trickles is cut off with 408; nothing is stored', async () => {
    const slow = await startKura(backend, { KURA_BODY_TIMEOUT_SECONDS: '1', KURA_BODY_MIN_RATE: '1000' });
    try {
      const v = await slow.user();
      const url = new URL(`${slow.url}/api/v1/items/${v.rootId}/children`);
      const answer = await new Promise<string>((resolve) => {
        const sock = connect(Number(url.port), url.hostname, () => {
          sock.write(`POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${v.token}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n`);
          sock.write('--b\r\nContent-Disposition: form-data; name="file"; filename="slow.bin"\r\n\r\n');
          const drip = setInterval(() => sock.write('x'), 200);
          let got = '';
          sock.on('data', (d) => (got += d));
          sock.on('close', () => {
            clearInterval(drip);
            resolve(got);
          });
          sock.on('error', () => undefined);
        });
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      const list = await json(await fetch(`${slow.url}/api/v1/items/${v.rootId}/children`, { headers: v.auth }));
      expect(list.items).toEqual([]);
      // A slow but steady upload (well above the minimum pace) goes through.
      const steady = await fetch(url, { method: 'POST', headers: v.auth, body: (() => { const f = new FormData(); f.append('file', blobOf(Buffer.alloc(200_000, 1)), 'steady.bin'); return f; })() });
      expect(steady.status).toBe(201);
    } finally {
      await slow.stop();
    }
  });

  it('drive upload/update with two file parts is refused before anything is recorded', async () => {
    const first = await uploadOne(k.url, u.auth, u.rootId, 'twice.txt', 'version one');
    const two = (extra: Record<string, string>) => {
      const f = new FormData();
      f.append('UserToken', u.token);
      for (const [n, v] of Object.entries(extra)) f.append(n, v);
      f.append('File', blobOf('first part'), 'a.txt');
      f.append('File', blobOf('second part'), 'b.txt');
      return f;
    };
    const up = await fetch(`${k.url}/v1/file/upload`, { method: 'POST', body: two({ ParentId: toObjectId(u.rootId), FileName: 'two-parts.txt' }) });
    expect(up.status).toBe(400);
    const upd = await fetch(`${k.url}/v1/file/update`, { method: 'POST', body: two({ Id: toObjectId(first.id) }) });
    expect(upd.status).toBe(400);
    const native = new FormData();
    native.append('file', blobOf('one'), 'a.txt');
    native.append('file', blobOf('two'), 'b.txt');
    expect((await fetch(`${k.url}/api/v1/items/${first.id}/versions`, { method: 'POST', headers: u.auth, body: native })).status).toBe(400);
    const item = await json(await call('GET', `/items/${first.id}`));
    expect(item.version).toBe(1);
    const names = (await json(await call('GET', `/items/${u.rootId}/children?limit=1000`))).items.map((i: { name: string }) => i.name);
    expect(names).not.toContain('two-parts.txt');
    expect(await (await call('GET', `/items/${first.id}/content`)).text()).toBe('version one');
  });

  it('a suffix range longer than the file answers 206 with the whole file', async () => {
    const f = await uploadOne(k.url, u.auth, u.rootId, 'sixteen.bin', '0123456789abcdef');
    const res = await fetch(`${k.url}/api/v1/items/${f.id}/content`, { headers: { ...u.auth, range: 'bytes=-100' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 0-15/16');
    expect(await res.text()).toBe('0123456789abcdef');
    expect((await fetch(`${k.url}/api/v1/items/${f.id}/content`, { headers: { ...u.auth, range: 'bytes=-0' } })).status).toBe(416);
  });

  it('renames on a clash never make a name past 255 characters or split an emoji', async () => {
    const folder = (await json(await call('POST', `/items/${u.rootId}/children`, { name: 'long names', kind: 'folder' }))).items[0];
    for (const name of ['n'.repeat(251) + '.txt', '😀'.repeat(127)]) {
      const a = await uploadOne(k.url, u.auth, folder.id, name, 'one');
      expect(a.name).toBe(name);
      const form = new FormData();
      form.append('file', blobOf('two'), name);
      const res = await fetch(`${k.url}/api/v1/items/${folder.id}/children?onConflict=rename`, { method: 'POST', headers: u.auth, body: form });
      expect(res.status).toBe(201);
      const renamed = (await json(res)).items[0].name as string;
      expect(renamed.length).toBeLessThanOrEqual(255);
      expect(renamed).toContain('(1)');
      expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(renamed)).toBe(false);
    }
    const bad = new FormData();
    bad.append('file', blobOf('x'), 'gpj\u202Eexe.txt');
    expect((await fetch(`${k.url}/api/v1/items/${folder.id}/children`, { method: 'POST', headers: u.auth, body: bad })).status).toBe(400);
    expect(sha256(await body(await call('GET', `/items/${folder.id}/children`)))).toBeTruthy();
  });
});
