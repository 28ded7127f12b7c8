import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../src/http/shared/ids.js';
import { backends } from './helpers/backends.js';
import { blobOf, json } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';

interface CutShort {
  status: number;
  /** The answer's body. */
  body: string;
}

/**
 * Sends a request head declaring a body of `declared` bytes and only `first` of them; the
 * rest never comes. Resolves once the server has answered and closed the connection: a
 * server that waited for (or buffered) the whole body would never get there.
 */
function cutShort(base: string, path: string, headers: Record<string, string>, declared: number, first: string): Promise<CutShort> {
  const u = new URL(base);
  expect(Buffer.byteLength(first)).toBeLessThan(declared);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(u.port), u.hostname, () => {
      const head = Object.entries({ host: u.host, 'content-length': String(declared), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.write(`POST ${path} HTTP/1.1\r\n${head.join('')}\r\n`);
      socket.write(first);
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const at = text.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), body: at < 0 ? '' : text.slice(at + 4) });
    });
  });
}

/**
 * Sends a request head declaring `first` and `chunks` more pieces, waits for the answer, then
 * sends the pieces one after the other (each once the previous one is written) and ends its
 * side: resolves with the answer's status and whether sending failed. A server that closed
 * its socket at once, with bytes still coming, resets the connection and later writes fail.
 */
function sendAfterAnswer(base: string, path: string, headers: Record<string, string>, first: string, piece: string, chunks: number): Promise<{ status: number; failed: boolean }> {
  const u = new URL(base);
  return new Promise((resolve) => {
    let text = '';
    let failed = false;
    let sent = false;
    // Half-open allowed: the server's FIN does not end this side, which goes on sending.
    const socket = connect({ port: Number(u.port), host: u.hostname, allowHalfOpen: true }, () => {
      const declared = Buffer.byteLength(first) + chunks * Buffer.byteLength(piece);
      const head = Object.entries({ host: u.host, 'content-length': String(declared), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.write(`POST ${path} HTTP/1.1\r\n${head.join('')}\r\n${first}`);
    });
    const next = (left: number) => {
      if (left === 0 || failed) return socket.end();
      socket.write(piece, (e) => {
        failed ||= e != null;
        next(left - 1);
      });
    };
    socket.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      if (sent || !text.includes('\r\n\r\n')) return;
      sent = true;
      next(chunks);
    });
    socket.on('error', () => (failed = true));
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), failed }));
  });
}

const KiB = 1024;
const MiB = 1024 * KiB;
const pad = (n: number) => 'x'.repeat(n);

/** Multipart text: fields in order (no file), with boundary `kb`. */
const fieldsOf = (fields: [string, string][]) => fields.map(([n, v]) => `--kb\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`).join('');
const MULTIPART = { 'content-type': 'multipart/form-data; boundary=kb' };

/**
 * Issue 20, item 6: a body is never read into memory before its credential is judged.
 * Where the credential is outside the body (headers, query) it is judged first; where a
 * face puts it in the body (drive `UserToken`), at most 64 KiB may come before it.
 */
describe.each(backends)('credentials are judged before bodies are read (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let parent: string;
  const names = async () => (await k.core.items.allChildren({ userId: u.id, role: 'user' }, u.rootId, {})).map((i) => i.name);

  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    parent = toObjectId(u.rootId);
  });
  afterAll(() => k.stop());

  it('an early refusal lingers: the rest of a small body sent after the answer is dropped, not reset, then the connection closes', async () => {
    for (const headers of [{ ...MULTIPART }, { ...MULTIPART, authorization: 'Bearer kura_wrong' }]) {
      const r = await sendAfterAnswer(k.url, `/api/v1/items/${u.rootId}/children`, headers, `--kb\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n${pad(KiB)}`, pad(16 * KiB), 40);
      expect(r).toEqual({ status: 401, failed: false });
    }
  });

  it('drive multipart: fields without a UserToken stop at 64 KiB with 401, and the connection closes', async () => {
    const r = await cutShort(k.url, '/v1/file/upload', MULTIPART, 100 * MiB, fieldsOf([0, 1, 2].map((i) => [`Pad${i}`, pad(100 * KiB)])));
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ IsOk: false, Code: 401, Message: 'UserToken is required (within the first 64 KiB of the body)' });
    // A wrong token is refused as soon as its field has come.
    const wrong = await cutShort(k.url, '/v1/file/upload_large_file', MULTIPART, 100 * MiB, fieldsOf([['UserToken', 'kura_wrong'], ['Pad', pad(10 * KiB)]]));
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ IsOk: false, Code: 401 });
  });

  it('drive multipart: a UserToken first lets any number of fields and the file through; one after 64 KiB of fields does not', async () => {
    const form = (before: [string, string][], after: [string, string][]) => {
      const f = new FormData();
      for (const [n, v] of [...before, ...after]) f.append(n, v);
      f.append('File', blobOf('the file'), 'gated.txt');
      return f;
    };
    const big: [string, string][] = [0, 1, 2].map((i) => [`Pad${i}`, pad(100 * KiB)]);
    const ok = await fetch(`${k.url}/v1/file/upload`, { method: 'POST', body: form([['UserToken', u.token]], [['ParentId', parent], ...big]) });
    expect(await json(ok)).toMatchObject({ IsOk: true, Data: { Name: 'gated.txt' } });
    const late = await fetch(`${k.url}/v1/file/upload`, { method: 'POST', body: form([['ParentId', parent], ['FileName', 'late.txt'], ...big], [['UserToken', u.token]]) });
    expect(late.status).toBe(401);
    expect(await names()).not.toContain('late.txt');
  });

  it('drive form and JSON bodies: at most 64 KiB before UserToken; a UserToken in the query string is judged before the body', async () => {
    const form = await cutShort(k.url, '/v1/file/create_folder', { 'content-type': 'application/x-www-form-urlencoded' }, 900 * KiB, `Pad=${pad(200 * KiB)}`);
    expect(form.status).toBe(401);
    const body = await cutShort(k.url, '/v1/file/create_folder', { 'content-type': 'application/json' }, 900 * KiB, `{"Pad": "${pad(200 * KiB)}`);
    expect(body.status).toBe(401);
    const query = await cutShort(k.url, '/v1/file/create_folder?UserToken=kura_wrong', { 'content-type': 'application/json' }, 900 * KiB, '{"Pa');
    expect(query.status).toBe(401);
    expect(JSON.parse(query.body)).toMatchObject({ IsOk: false, Code: 401 });
    // A token first, then a large body: read as usual.
    const post = (type: string, text: string) => fetch(`${k.url}/v1/file/create_folder`, { method: 'POST', headers: { 'content-type': type }, body: text });
    const viaJson = await post('application/json', JSON.stringify({ UserToken: u.token, FolderName: 'by-json', ParentId: parent, Pad: pad(200 * KiB) }));
    expect(await json(viaJson)).toMatchObject({ IsOk: true, Data: { Name: 'by-json' } });
    const viaForm = await post('application/x-www-form-urlencoded', new URLSearchParams({ UserToken: u.token, FolderName: 'by-form', ParentId: parent, Pad: pad(200 * KiB) }).toString());
    expect(await json(viaForm)).toMatchObject({ IsOk: true, Data: { Name: 'by-form' } });
    // After 64 KiB of other parameters, a token no longer counts.
    const late = await post('application/json', JSON.stringify({ Pad: pad(100 * KiB), UserToken: u.token, FolderName: 'late-json', ParentId: parent }));
    expect(late.status).toBe(401);
    expect(await names()).toEqual(expect.arrayContaining(['by-json', 'by-form']));
    expect(await names()).not.toContain('late-json');
  });

  it('onebot: a JSON body without an access_token (401) or with a wrong one (403) ends at once', async () => {
    const start = `{"group_id": 1, "name": "x.bin", "file": "base64://${'A'.repeat(KiB)}`;
    const none = await cutShort(k.url, '/onebot/upload_group_file', { 'content-type': 'application/json' }, 21_000_000, start);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ status: 'failed', retcode: 1401 });
    const wrong = await cutShort(k.url, '/onebot/upload_group_file', { 'content-type': 'application/json', authorization: 'Bearer kura_wrong' }, 21_000_000, start);
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.body)).toMatchObject({ status: 'failed', retcode: 1403 });
  });

  it('every dialect: a header credential is judged before the body (native multipart upload, tus)', async () => {
    const native = await cutShort(k.url, `/api/v1/items/${u.rootId}/children`, MULTIPART, 100 * MiB, `--kb\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n${pad(10 * KiB)}`);
    expect(native.status).toBe(401);
    const bad = await cutShort(k.url, `/api/v1/items/${u.rootId}/children`, { ...MULTIPART, authorization: 'Bearer kura_wrong' }, 100 * MiB, pad(KiB));
    expect(bad.status).toBe(401);
    const tus = await cutShort(k.url, '/api/v1/tus/0123456789abcdef0123456789abcdef', { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'x-http-method-override': 'PATCH' }, 100 * MiB, pad(KiB));
    expect(tus.status).toBe(401);
  });
});
