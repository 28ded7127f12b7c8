import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';

/*
 * Every dialect mounted at once (the server's default): each route answers from the dialect
 * that owns it (the /files prefix is shared by social and tencenturies, media's
 * /:maintype/:name takes only real MIME main types), and one file is the same bytes under
 * one id through every face that can name it.
 */
const hex = (id: number) => id.toString(16).padStart(24, '0');

describe.each(backends)('all dialects on one server (%s)', (backend) => {
  let k: TestKura;
  let ann: TestUser;
  let png: Buffer;
  let id: number;
  beforeAll(async () => {
    k = await startKura(backend);
    ann = await k.user('ann');
    png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'red.png');
    const res = await fetch(`${k.url}/file/upload`, { method: 'POST', headers: ann.auth, body: form });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { files: { id: string }[] };
    id = parseInt(body.files[0].id, 16);
  });
  afterAll(() => k?.stop());

  const bytes = async (res: Response) => {
    expect(res.status, res.url).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  it('serves one file, byte for byte, under one id through every dialect', async () => {
    const tok = { authorization: ann.token };
    expect(await bytes(await fetch(`${k.url}/file/${hex(id)}`, { headers: ann.auth }))).toEqual(png);
    expect(await bytes(await fetch(`${k.url}/image/red.png`, { headers: ann.auth }))).toEqual(png);
    expect(await bytes(await fetch(`${k.url}/api/v1/items/${id}/content`, { headers: ann.auth }))).toEqual(png);
    expect(await bytes(await fetch(`${k.url}/v1/file/download?UserToken=${ann.token}&FileId=${hex(id)}`))).toEqual(png);
    expect(await bytes(await fetch(`${k.url}/files/${id}/data`))).toEqual(png);
    const tc = (await (await fetch(`${k.url}/files/${id}`, { headers: tok })).json()) as { meta: { code: number }; data: { cdn_url: string }[] };
    expect(tc.meta.code).toBe(200);
    expect(await bytes(await fetch(`${k.url}${new URL(tc.data[0].cdn_url).pathname}`))).toEqual(png);
    const ob = (await (await fetch(`${k.url}/onebot/get_private_file_url`, { method: 'POST', headers: { ...ann.auth, 'content-type': 'application/json' }, body: JSON.stringify({ file_id: String(id) }) })).json()) as {
      status: string;
      data: { url: string };
    };
    expect(ob.status).toBe('ok');
    expect(await bytes(await fetch(`${k.url}${new URL(ob.data.url).pathname}${new URL(ob.data.url).search}`))).toEqual(png);
  });

  it('routes every path to the dialect that owns it', async () => {
    // social: POST /files and /files/:id/attribute (bare JSON); tencenturies: POST /files/upload, GET /files, GET /files/:id ({meta, data}).
    const socialPost = await fetch(`${k.url}/files`, { method: 'POST' });
    expect(socialPost.status).toBe(401);
    expect(await socialPost.json()).not.toHaveProperty('meta');
    const attribute = await fetch(`${k.url}/files/${id}/attribute`, { headers: ann.auth });
    expect(attribute.status).toBe(200);
    expect(await attribute.json()).toHaveProperty('mine_type', 'image/png');
    const tcUpload = await fetch(`${k.url}/files/upload`, { method: 'POST' });
    expect(tcUpload.status).toBe(401);
    expect(((await tcUpload.json()) as { meta: { code: number } }).meta.code).toBe(401);
    const tcList = (await (await fetch(`${k.url}/files`, { headers: { authorization: ann.token } })).json()) as { meta: { code: number }; data: unknown };
    expect(tcList.meta.code).toBe(200);
    // media: /file…, and /:maintype/:name only for real main types.
    expect((await fetch(`${k.url}/file/list`)).status).toBe(401);
    expect(((await (await fetch(`${k.url}/file/list`, { headers: ann.auth })).json()) as { total: number }).total).toBe(1);
    expect((await fetch(`${k.url}/image/red.png`)).status).toBe(401);
    expect((await fetch(`${k.url}/spaceship/red.png`, { headers: ann.auth })).status).toBe(404);
    // drive, onebot, tus, native keep their own shapes.
    const drive = (await (await fetch(`${k.url}/v1/file/info?UserToken=nope&Ids=${hex(id)}`)).json()) as { IsOk: boolean };
    expect(drive.IsOk).toBe(false);
    const onebot = (await (await fetch(`${k.url}/onebot/get_group_root_files?group_id=1`, { headers: ann.auth })).json()) as { status: string; retcode: number };
    expect(onebot).toMatchObject({ status: 'failed', retcode: 1404 });
    expect((await fetch(`${k.url}/onebot/no_such_action`, { headers: ann.auth })).status).toBe(404);
    const tus = await fetch(`${k.url}/api/v1/tus/`, { method: 'OPTIONS' });
    expect(tus.headers.get('tus-version')).toContain('1.0.0');
    const native = await fetch(`${k.url}/api/v1/items/${id}`);
    expect(native.status).toBe(401);
    expect(await native.json()).toHaveProperty('error.code');
  });
});
