import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../src/http/shared/ids.js';
import { backends } from './helpers/backends.js';
import { bytes, json, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';
import { ok as onebot, onServer } from './onebot/client.js';

/**
 * Issue 20, item 12: HEAD answered `Content-Length: 0` on every download route registered
 * with `app.get` (Fastify's automatic HEAD route). Every HEAD now carries the headers a GET
 * would send, length included (none for a zip, whose GET has none either).
 */
describe.each(backends)('HEAD carries what GET sends (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let file: { id: number };
  let folderToken: string;
  let fileToken: string;
  let signed: string;
  const data = bytes(70_000, 12);

  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    file = await uploadOne(k.url, u.auth, u.rootId, 'report.txt', `${'plain text '.repeat(6000)}`, '?public=true');
    const folder = (await json(await fetch(`${k.url}/api/v1/items/${u.rootId}/children`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'zipped', kind: 'folder' }) }))).items[0];
    await uploadOne(k.url, u.auth, folder.id, 'inside.bin', data);
    const share = async (id: number) => (await json(await fetch(`${k.url}/api/v1/shares`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ itemIds: [id], type: 'public' }) }))).shares[0].token as string;
    fileToken = await share(file.id);
    folderToken = await share(folder.id);
    signed = onServer(k, (await onebot(k, u, 'get_private_file_url', { file_id: String(file.id) })).url);
  });
  afterAll(() => k.stop());

  const routes = (): [string, string][] => {
    const oid = toObjectId(file.id);
    return [
      ['native content', `/api/v1/items/${file.id}/content`],
      ['native share (file)', `/api/v1/shares/${fileToken}/content`],
      ['native share (folder zip)', `/api/v1/shares/${folderToken}/content`],
      ['drive download', `/v1/file/download?UserToken=${u.token}&FileId=${oid}`],
      ['drive download_large_file', `/v1/file/download_large_file?UserToken=${u.token}&FileId=${oid}&SliceOffset=100&SliceLength=1000`],
      ['drive resource', `/v1/file/resource?Id=${oid}`],
      ['drive thumbnail icon', '/v1/file/thumbnail?ExtName=pdf&ThumbnailType=1'],
      ['drive share/download (folder zip)', `/v1/file/share/download?Id=${folderToken}`],
      ['media /file/:id', `/file/${oid}`],
      ['media /:maintype/:name', '/text/report.txt'],
      ['social data', `/files/${file.id}/data`],
      ['10Centuries CDN original', `/files/cdn/${file.id}_original.txt`],
      ['OneBot signed link', signed.replace(k.url, '')],
    ];
  };

  it('every download route answers HEAD with the status and length of its GET, and no body', async () => {
    for (const [what, path] of routes()) {
      for (const range of [undefined, 'bytes=10-99']) {
        const headers = { ...u.auth, ...(range ? { range } : {}) };
        const get = await fetch(`${k.url}${path}`, { headers });
        const sent = (await get.arrayBuffer()).byteLength;
        const head = await fetch(`${k.url}${path}`, { method: 'HEAD', headers });
        const label = `${what}${range ? ` (${range})` : ''}`;
        expect(get.status, label).toBeLessThan(300);
        expect(head.status, label).toBe(get.status);
        expect(head.headers.get('content-length'), label).toBe(get.headers.get('content-length'));
        if (get.headers.get('content-length') !== null) expect(Number(get.headers.get('content-length')), label).toBe(sent);
        for (const h of ['content-type', 'etag', 'content-range', 'x-file-length']) expect(head.headers.get(h), `${label}: ${h}`).toBe(get.headers.get(h));
        expect((await head.arrayBuffer()).byteLength, label).toBe(0);
      }
    }
  });

  it('a HEAD answered 304 carries no length, as its GET', async () => {
    const first = await fetch(`${k.url}/file/${toObjectId(file.id)}`, { headers: u.auth });
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const get = await fetch(`${k.url}/file/${toObjectId(file.id)}`, { headers: { ...u.auth, 'if-none-match': etag } });
    const head = await fetch(`${k.url}/file/${toObjectId(file.id)}`, { method: 'HEAD', headers: { ...u.auth, 'if-none-match': etag } });
    expect([get.status, head.status]).toEqual([304, 304]);
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(head.headers.get('etag')).toBe(etag);
  });
});
