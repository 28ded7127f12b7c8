import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptCategory, WEB_COPY, type UploadDerivative, type UploadOptions } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { startCore, type CoreUnderTest, type CoreUser } from '../helpers/core.js';
import { sha256 } from '../helpers/http.js';
import { jpeg } from '../tencenturies/helpers.js';

/** The web copy for images wider than 960 px (10Centuries' rule). */
const WEB: UploadDerivative = { applies: (mime) => mime === 'image/jpeg', recipe: WEB_COPY, wanted: (info) => info.width > WEB_COPY.maxWidth };

/** Uploads restricted to a type rule, and uploads with their derivative: a refusal or a failure records nothing. */
describe.each(backends)('upload rules on the core (%s)', (backend) => {
  let k: CoreUnderTest;
  let wide: Buffer;
  beforeAll(async () => {
    k = await startCore(backend);
    wide = await jpeg(1600, 800);
  });
  afterAll(() => k.close());

  const put = (u: CoreUser, name: string, data: Buffer | string, opts: UploadOptions) => k.core.uploads.upload(u.actor, u.rootId, { name, stream: Readable.from([Buffer.from(data)]) }, opts);
  const usage = async (u: CoreUser) => (await k.core.spaces.get(u.actor, u.spaceId)).usage;
  const listed = async (u: CoreUser) => (await k.core.items.children(u.actor, u.rootId)).items.map((i) => i.name);
  /** fsck problems other than committed bytes nothing names (orphans GC collects, decision 0002). */
  const problems = async () => (await k.core.fsck()).problems.filter((p) => p.problem !== 'orphan_object');

  it('a type rule refuses other content before anything is kept', async () => {
    const u = await k.user();
    const photo = await jpeg(20, 10);
    await expect(put(u, 'fake.png', 'just text', { accept: acceptCategory('image') })).rejects.toMatchObject({ code: 'unsupported_type', details: { mime: 'text/plain' } });
    expect(await usage(u)).toEqual({ bytes: 0, files: 0, reserved: 0, reservedFiles: 0 });
    expect(await listed(u)).toEqual([]);
    // Refused before the bytes were committed: not even an orphan is left.
    expect((await k.core.fsck()).problems.filter((p) => p.hash === sha256(Buffer.from('just text')))).toEqual([]);
    expect((await put(u, 'real.jpg', photo, { accept: acceptCategory('image') })).category).toBe('image');
  });

  it('records the derivative with the file, in its transaction; a small image gets none', async () => {
    const u = await k.user();
    const item = await put(u, 'wide.jpg', wide, { derivative: WEB });
    const copy = await k.core.derivatives.find(item.sha256!, WEB_COPY);
    expect(copy).toMatchObject({ mime: 'image/jpeg', width: 960, height: 480 });
    const small = await put(u, 'small.jpg', await jpeg(300, 200, undefined, 2), { derivative: WEB });
    expect(await k.core.derivatives.find(small.sha256!, WEB_COPY)).toBeUndefined();
    // Text is not an image the rule applies to: stored as it came.
    expect((await put(u, 'notes.txt', 'plain', { derivative: WEB })).mime).toBe('text/plain');
    expect(await problems()).toEqual([]);
  });

  it('a failure after the derivative is recorded, in the same transaction, records neither', async () => {
    const u = await k.user();
    const other = await jpeg(1400, 700, undefined, 3);
    await expect(
      put(u, 'fails.jpg', other, {
        derivative: WEB,
        recorded: async () => {
          throw new Error('the write failed half-way');
        },
      }),
    ).rejects.toThrow('half-way');
    expect(await k.core.derivatives.find(sha256(other), WEB_COPY)).toBeUndefined();
    expect(await usage(u)).toEqual({ bytes: 0, files: 0, reserved: 0, reservedFiles: 0 });
    expect(await listed(u)).toEqual([]);
    expect(await problems()).toEqual([]);
    // The same file again, without the failure: recorded with its copy.
    const item = await put(u, 'works.jpg', other, { derivative: WEB });
    expect(await k.core.derivatives.find(item.sha256!, WEB_COPY)).toMatchObject({ width: 960 });
  });

  it('a quota refusal in the transaction records neither file nor derivative', async () => {
    const u = await k.user();
    await k.core.spaces.setQuota(k.admin.actor, u.spaceId, { files: 1 });
    await k.file(u, 'one.txt', '1');
    const third = await jpeg(1200, 600, undefined, 4);
    await expect(put(u, 'third.jpg', third, { derivative: WEB })).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(await k.core.derivatives.find(sha256(third), WEB_COPY)).toBeUndefined();
    expect(await usage(u)).toEqual({ bytes: 1, files: 1, reserved: 0, reservedFiles: 0 });
  });

  it('an image the engine cannot read is refused before anything is recorded, with its sniffed type', async () => {
    const u = await k.user();
    const cut = wide.subarray(0, Math.floor(wide.length / 2));
    await expect(put(u, 'cut.jpg', cut, { derivative: WEB })).rejects.toMatchObject({ code: 'unsupported_type', details: { mime: 'image/jpeg' } });
    expect(await usage(u)).toEqual({ bytes: 0, files: 0, reserved: 0, reservedFiles: 0 });
    expect(await listed(u)).toEqual([]);
  });
});
