import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../src/http/shared/ids.js';
import { backends } from './helpers/backends.js';
import { json, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';

type Line = { level: number; msg?: string; status?: number; url?: string; err?: unknown };

/** A request whose body trickles (5 bytes a second) until the server gives up on it; its raw answer. */
function trickle(base: string, path: string, headers: string, start: string): Promise<string> {
  const url = new URL(`${base}${path}`);
  return new Promise<string>((resolve) => {
    const sock = connect(Number(url.port), url.hostname, () => {
      sock.write(`POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: 100000\r\n\r\n${start}`);
      const drip = setInterval(() => sock.write('x'), 200);
      let got = '';
      sock.on('data', (d) => (got += d));
      sock.on('close', () => {
        clearInterval(drip);
        resolve(got);
      });
    });
    sock.on('error', () => undefined);
  });
}

/**
 * Issue 20, item 15: share tokens and `signature[]` were in access-log URLs; an expected 408
 * (slow body) was logged at error level with a stack.
 */
describe.each(backends)('log lines (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  const log: string[] = [];
  const lines = () => log.map((l) => JSON.parse(l) as Line);

  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => log.push(...chunk.toString().split('\n').filter(Boolean)));
    k = await startKura(backend, { LOG_LEVEL: 'info', KURA_BODY_TIMEOUT_SECONDS: '1', KURA_BODY_MIN_RATE: '1000' }, { log: stream });
    u = await k.user();
  });
  afterAll(() => k.stop());

  it('never shows a share token or a signature in an access-log URL', async () => {
    const file = await uploadOne(k.url, u.auth, u.rootId, 'shared.txt', 'shared content');
    const add = async (type: string) => (await json(await fetch(`${k.url}/api/v1/shares`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ itemIds: [file.id], type }) }))).shares[0];
    const open = await add('public');
    const closed = await add('private');
    log.length = 0;
    const requests: [string, string, number][] = [
      ['GET', `/api/v1/shares/${open.token}/content`, 200],
      ['HEAD', `/api/v1/shares/${open.token}/content`, 200],
      ['GET', `/v1/file/share/download?Id=${open.token}`, 200],
      ['GET', `/v1/file/download_share_file?ShareId=${closed.token}&ExtraCode=${closed.code}`, 200],
      ['GET', `/v1/file/download_share_file?shareid=${open.token}`, 400],
      ['GET', `/onebot/download/${file.id}?user=${u.id}&expires=1&signature[]=${'ab'.repeat(32)}`, 400],
      ['GET', `/onebot/download/${file.id}?user=${u.id}&expires=1&Signature%5B0%5D=${'cd'.repeat(32)}`, 400],
      ['POST', `/v1/file/share/delete?UserToken=${u.token}&Id=${closed.token}`, 200],
    ];
    for (const [method, path, status] of requests) {
      const res = await fetch(`${k.url}${path}`, { method });
      await res.arrayBuffer();
      expect(res.status, path).toBe(status);
    }
    const all = log.join('\n');
    for (const secret of [open.token, closed.token, closed.code, 'ab'.repeat(32), 'cd'.repeat(32), u.token]) expect(all).not.toContain(secret);
    const urls = lines()
      .filter((l) => l.msg === 'request')
      .map((l) => l.url);
    expect(urls).toEqual([
      '/api/v1/shares/[REDACTED]/content',
      '/api/v1/shares/[REDACTED]/content',
      '/v1/file/share/download?Id=[REDACTED]',
      '/v1/file/download_share_file?ShareId=[REDACTED]&ExtraCode=[REDACTED]',
      '/v1/file/download_share_file?shareid=[REDACTED]',
      `/onebot/download/${file.id}?user=${u.id}&expires=1&signature[]=[REDACTED]`,
      `/onebot/download/${file.id}?user=${u.id}&expires=1&Signature%5B0%5D=[REDACTED]`,
      '/v1/file/share/delete?UserToken=[REDACTED]&Id=[REDACTED]',
    ]);
    // Item ids in other routes stay readable.
    log.length = 0;
    await (await fetch(`${k.url}/v1/file/info?UserToken=${u.token}&Id=${toObjectId(file.id)}`)).arrayBuffer();
    expect(lines().find((l) => l.msg === 'request')?.url).toBe(`/v1/file/info?UserToken=[REDACTED]&Id=${toObjectId(file.id)}`);
  });

  it('logs a slow body (JSON or upload) as a 408 at info, with no warning, error or stack', async () => {
    log.length = 0;
    const answers = [
      await trickle(k.url, '/api/v1/tokens', `Authorization: Bearer ${u.token}\r\nContent-Type: application/json\r\n`, '{"label": "'),
      await trickle(k.url, `/v1/file/upload?UserToken=${u.token}`, 'Content-Type: multipart/form-data; boundary=b\r\n', `--b\r\nContent-Disposition: form-data; name="ParentId"\r\n\r\n${toObjectId(u.rootId)}\r\n--b\r\nContent-Disposition: form-data; name="File"; filename="slow.bin"\r\n\r\n`),
      await trickle(k.url, '/file/upload', `Authorization: Bearer ${u.token}\r\nContent-Type: multipart/form-data; boundary=b\r\n`, '--b\r\nContent-Disposition: form-data; name="files"; filename="slow.bin"\r\n\r\n'),
    ];
    for (const a of answers) expect(a).toMatch(/^HTTP\/1\.1 408 /);
    // A request after them: its line comes after anything their handlers' failures would log.
    await (await fetch(`${k.url}/healthz`)).arrayBuffer();
    const got = lines();
    expect(got.at(-1)?.url).toBe('/healthz');
    expect(got.filter((l) => l.msg === 'request' && l.status === 408 && l.level === 30)).toHaveLength(3);
    expect(got.filter((l) => l.level >= 40)).toEqual([]);
    expect(got.filter((l) => l.err !== undefined)).toEqual([]);
    expect((await json(await fetch(`${k.url}/api/v1/tokens`, { headers: u.auth }))).tokens).toHaveLength(1);
  });
});
