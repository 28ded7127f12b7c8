import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { body, bytes, json, sha256, upload, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { startS3, type TestS3 } from '../helpers/s3-server.js';

/** The whole server on the S3 store (a real S3-protocol server over HTTP). */
describe.each(backends)('Kura on S3 (%s)', (backend) => {
  let s3: TestS3;
  let k: TestKura;
  let u: TestUser;
  beforeAll(async () => {
    s3 = await startS3();
    const c = s3.s3Config(`kura-e2e-${backend}`);
    k = await startKura(backend, {
      BLOB_STORE: 's3',
      S3_ENDPOINT: c.endpoint,
      S3_REGION: c.region,
      S3_BUCKET: c.bucket,
      S3_ACCESS_KEY_ID: c.accessKeyId,
      S3_SECRET_ACCESS_KEY: c.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      UPLOAD_MAX_BYTES: '32MiB',
    });
    u = await k.user();
  });
  afterAll(async () => {
    await k?.stop();
    await s3?.close();
  });

  it('round-trips a multipart-sized file byte for byte, with ranges', async () => {
    const data = bytes(20 * 1024 * 1024 + 17, 901);
    const item = await uploadOne(k.url, u.auth, u.rootId, 'big.bin', data);
    expect(item.sha256).toBe(sha256(data));
    const res = await fetch(`${k.url}/api/v1/items/${item.id}/content`, { headers: u.auth });
    expect(sha256(await body(res))).toBe(sha256(data));
    const part = await fetch(`${k.url}/api/v1/items/${item.id}/content`, { headers: { ...u.auth, range: 'bytes=10000000-10000999' } });
    expect(part.status).toBe(206);
    expect((await body(part)).equals(data.subarray(10_000_000, 10_001_000))).toBe(true);
  });

  it('dedupes, copies and serves small content on S3', async () => {
    const a = await uploadOne(k.url, u.auth, u.rootId, 'a.txt', 'same bytes');
    const b = await uploadOne(k.url, u.auth, u.rootId, 'b.txt', 'same bytes');
    expect(a.sha256).toBe(b.sha256);
    let objects = 0;
    for await (const o of k.core.blobs.list()) if (o.hash === a.sha256) objects++;
    expect(objects).toBe(1);
    expect(await (await fetch(`${k.url}/api/v1/items/${b.id}/content`, { headers: u.auth })).text()).toBe('same bytes');
  });

  it('refuses an oversized upload with 413 and leaves nothing staged', async () => {
    const res = await upload(k.url, u.auth, u.rootId, [{ name: 'huge.bin', data: bytes(33 * 1024 * 1024, 902) }]);
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('payload_too_large');
    const listed = await json(await fetch(`${k.url}/api/v1/items/${u.rootId}/children?limit=1000`, { headers: u.auth }));
    expect(listed.items.map((i: { name: string }) => i.name)).not.toContain('huge.bin');
  });
});
