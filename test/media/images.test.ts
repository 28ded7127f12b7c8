import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KuraError } from '../../src/core/errors.js';
import type { ImageRecipe } from '../../src/core/ports/images.js';
import { SharpImages, coverBox } from '../../src/media/images.js';
import { Permits } from '../../src/core/index.js';
import { pngBomb } from '../helpers/images.js';

/** Real images, made by sharp here. */
const solid = (width: number, height: number, background: string | sharp.RGBA = 'red', channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background } });
const jpeg = (w: number, h: number) => solid(w, h).jpeg().toBuffer();
const png = (w: number, h: number) => solid(w, h).png().toBuffer();

/** `width`×`height`, left half red, right half blue (to see which way an image was turned). */
const halves = (width: number, height: number) =>
  solid(width, height, 'red').composite([{ input: { create: { width: width / 2, height, channels: 3, background: 'blue' } }, left: width / 2, top: 0 }]);

const animated = async (format: 'gif' | 'webp', colours: string[]) => {
  const frames = await Promise.all(colours.map((c) => solid(40, 30, c).png().toBuffer()));
  const img = sharp(frames, { join: { animated: true } });
  return (format === 'gif' ? img.gif() : img.webp()).toBuffer();
};

const from = (b: Buffer) => Readable.from([b]);

/** Resolves with the KuraError `p` rejects with (fails the test if it resolves or throws something else). */
async function refusal(p: Promise<unknown>): Promise<KuraError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KuraError);
  return e as KuraError;
}

/** RGB of the pixel at (x, y). */
async function pixel(img: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i], data[i + 1], data[i + 2]];
}
const isRed = ([r, g, b]: number[]) => r > 200 && g < 60 && b < 60;
const isBlue = ([r, g, b]: number[]) => b > 200 && r < 60 && g < 60;

/**
 * A real 1-bit greyscale PNG of `width`×`height` all-black pixels: the zeros deflate about
 * 1000:1, so 30000×30000 (900 megapixels, 2.7 GB as RGB) is about 110 KB.
 */

/** A source that yields nothing until told to: `feed` ends it with `data`; `started` says whether it was read. */
function heldSource() {
  let started = false;
  const stream = new Readable({
    read() {
      started = true;
    },
  });
  return {
    stream,
    get started() {
      return started;
    },
    feed(data: Buffer) {
      stream.push(data);
      stream.push(null);
    },
  };
}

const engine = new SharpImages();

describe('SharpImages: probe', () => {
  it('reads format, size, frames of JPEG, PNG, WebP, GIF', async () => {
    expect(await engine.probe(from(await jpeg(400, 300)))).toEqual({ format: 'jpeg', width: 400, height: 300, pages: 1 });
    expect(await engine.probe(from(await png(10, 20)))).toEqual({ format: 'png', width: 10, height: 20, pages: 1 });
    expect(await engine.probe(from(await solid(30, 20).webp().toBuffer()))).toEqual({ format: 'webp', width: 30, height: 20, pages: 1 });
    expect(await engine.probe(from(await animated('gif', ['red', 'lime', 'blue'])))).toEqual({ format: 'gif', width: 40, height: 30, pages: 3 });
    expect(await engine.probe(from(await animated('webp', ['red', 'blue'])))).toEqual({ format: 'webp', width: 40, height: 30, pages: 2 });
  });

  it('gives the displayed size: EXIF orientation 6 and 8 swap width and height', async () => {
    for (const orientation of [6, 8]) {
      const img = await halves(400, 200).jpeg().withMetadata({ orientation }).toBuffer();
      expect(await engine.probe(from(img))).toEqual({ format: 'jpeg', width: 200, height: 400, pages: 1, orientation });
    }
    const upright = await halves(400, 200).jpeg().withMetadata({ orientation: 3 }).toBuffer();
    expect(await engine.probe(from(upright))).toMatchObject({ width: 400, height: 200, orientation: 3 });
  });
});

describe('SharpImages: render recipes', () => {
  let big: Buffer;
  beforeAll(async () => {
    big = await jpeg(4000, 3000);
  });

  const dims = async (img: Buffer, recipe: ImageRecipe) => {
    const r = await engine.render(from(img), recipe);
    const meta = await sharp(r.data).metadata();
    expect([meta.width, meta.height]).toEqual([r.width, r.height]); // reported = actual
    return { ...r, size: `${r.width}x${r.height}`, format: meta.format };
  };

  it('makes each thumbnail recipe at its exact size, as JPEG', async () => {
    const cases: [ImageRecipe, string][] = [
      [{ kind: 'short-edge', size: 172 }, '229x172'],
      [{ kind: 'long-edge', size: 172 }, '172x129'],
      [{ kind: 'cover', width: 172, height: 172 }, '172x172'],
      [{ kind: 'cover', width: 500, height: 500 }, '500x500'], // social avatar
      [{ kind: 'cover', width: 300, height: 100 }, '300x100'],
    ];
    for (const [recipe, size] of cases) {
      const r = await dims(big, recipe);
      expect([recipe, r.size, r.mime, r.format]).toEqual([recipe, size, 'image/jpeg', 'jpeg']);
    }
    const portrait = await jpeg(3000, 4000);
    expect((await dims(portrait, { kind: 'short-edge', size: 172 })).size).toBe('172x229');
    expect((await dims(portrait, { kind: 'long-edge', size: 172 })).size).toBe('129x172');
  });

  it('crops cover at the centre', async () => {
    // 400×200 left red, right blue; cover 100×100 keeps the middle: red on the left edge, blue on the right.
    const r = await engine.render(from(await halves(400, 200).png().toBuffer()), { kind: 'cover', width: 100, height: 100 });
    expect([r.width, r.height]).toEqual([100, 100]);
    expect(isRed(await pixel(r.data, 5, 50))).toBe(true);
    expect(isBlue(await pixel(r.data, 95, 50))).toBe(true);
  });

  it('never enlarges; a small image under cover is cropped to the requested shape only', async () => {
    const small = await jpeg(100, 80);
    expect((await dims(small, { kind: 'short-edge', size: 172 })).size).toBe('100x80');
    expect((await dims(small, { kind: 'long-edge', size: 172 })).size).toBe('100x80');
    expect((await dims(small, { kind: 'cover', width: 172, height: 172 })).size).toBe('80x80');
    expect((await dims(small, { kind: 'cover', width: 172, height: 43 })).size).toBe('100x25');
    expect((await dims(small, { kind: 'fit-width', maxWidth: 960 })).size).toBe('100x80');
    expect(coverBox(300, 100, 172, 172)).toEqual([100, 100]);
    expect(coverBox(120, 50, 172, 100)).toEqual([86, 50]);
    expect(coverBox(200, 150, 172, 100)).toEqual([172, 100]);
  });

  it('fit-width 960 keeps the format and the aspect', async () => {
    const cases: [string, Buffer, string][] = [
      ['jpeg', await jpeg(2000, 1000), 'image/jpeg'],
      ['png', await png(2000, 1000), 'image/png'],
      ['webp', await solid(2000, 1000).webp().toBuffer(), 'image/webp'],
      ['gif', await solid(2000, 1000).gif().toBuffer(), 'image/gif'],
    ];
    for (const [format, img, mime] of cases) {
      const r = await dims(img, { kind: 'fit-width', maxWidth: 960 });
      expect([format, r.size, r.mime, r.format]).toEqual([format, '960x480', mime, format]);
    }
  });

  it('fit-width turns TIFF and AVIF into JPEG', async () => {
    const tiff = await dims(await solid(2000, 1000).tiff().toBuffer(), { kind: 'fit-width', maxWidth: 960 });
    expect([tiff.size, tiff.mime, tiff.format]).toEqual(['960x480', 'image/jpeg', 'jpeg']);
    const avif = await dims(await solid(64, 48).avif({ effort: 0 }).toBuffer(), { kind: 'fit-width', maxWidth: 960 });
    expect([avif.size, avif.mime, avif.format]).toEqual(['64x48', 'image/jpeg', 'jpeg']);
  });

  it('fit-width re-encodes an image already narrow enough, same size and format', async () => {
    const noisy = await sharp({ create: { width: 800, height: 600, channels: 3, background: 'grey', noise: { type: 'gaussian', mean: 128, sigma: 20 } } })
      .jpeg({ quality: 100 })
      .withExif({ IFD0: { Copyright: 'someone' } })
      .toBuffer();
    const r = await dims(noisy, { kind: 'fit-width', maxWidth: 960 });
    expect([r.size, r.mime]).toEqual(['800x600', 'image/jpeg']);
    expect(r.data.length).toBeLessThan(noisy.length); // q100 → mozjpeg q82
    expect((await sharp(r.data).metadata()).exif).toBeUndefined();
  });

  it('fit-width keeps a palette PNG a palette PNG and a lossless WebP lossless', async () => {
    const pal = await dims(await halves(1200, 600).png({ palette: true }).toBuffer(), { kind: 'fit-width', maxWidth: 960 });
    expect([pal.size, pal.format]).toEqual(['960x480', 'png']);
    expect((await sharp(pal.data).metadata()).isPalette).toBe(true);
    const truecolour = await dims(await halves(1200, 600).png().toBuffer(), { kind: 'fit-width', maxWidth: 960 });
    expect((await sharp(truecolour.data).metadata()).isPalette).toBe(false);

    const lossless = await dims(await halves(200, 100).webp({ lossless: true }).toBuffer(), { kind: 'fit-width', maxWidth: 960 });
    expect(lossless.data.toString('latin1', 12, 16)).toBe('VP8L');
    const lossy = await dims(await halves(200, 100).webp({ quality: 70 }).toBuffer(), { kind: 'fit-width', maxWidth: 960 });
    expect(lossy.data.toString('latin1', 12, 16)).not.toBe('VP8L');
  });

  it('applies EXIF orientation 6 and 8 (turned pixels, swapped size)', async () => {
    // Stored 400×200, left red / right blue. 6 turns it clockwise: red on top. 8 counter-clockwise: blue on top.
    for (const [orientation, top, bottom] of [
      [6, isRed, isBlue],
      [8, isBlue, isRed],
    ] as const) {
      const img = await halves(400, 200).jpeg().withMetadata({ orientation }).toBuffer();
      const thumb = await engine.render(from(img), { kind: 'long-edge', size: 100 });
      expect([thumb.width, thumb.height]).toEqual([50, 100]);
      expect(top(await pixel(thumb.data, 25, 5))).toBe(true);
      expect(bottom(await pixel(thumb.data, 25, 95))).toBe(true);
      expect((await sharp(thumb.data).metadata()).orientation).toBeUndefined();

      const short = await engine.render(from(img), { kind: 'short-edge', size: 100 });
      expect([short.width, short.height]).toEqual([100, 200]);
      const web = await engine.render(from(img), { kind: 'fit-width', maxWidth: 960 });
      expect([web.width, web.height, web.mime]).toEqual([200, 400, 'image/jpeg']);
      expect(top(await pixel(web.data, 100, 10))).toBe(true);
    }
  });

  it('takes the first frame of an animated GIF or WebP, and outputs a single frame', async () => {
    for (const format of ['gif', 'webp'] as const) {
      const img = await animated(format, ['red', 'lime', 'blue']);
      const thumb = await engine.render(from(img), { kind: 'short-edge', size: 172 });
      expect([thumb.width, thumb.height, thumb.mime]).toEqual([40, 30, 'image/jpeg']);
      expect(isRed(await pixel(thumb.data, 20, 15))).toBe(true);

      const web = await engine.render(from(img), { kind: 'fit-width', maxWidth: 960 });
      const meta = await sharp(web.data).metadata();
      expect([web.width, web.height, web.mime, meta.pages ?? 1]).toEqual([40, 30, `image/${format}`, 1]);
      expect(isRed(await pixel(web.data, 20, 15))).toBe(true);
    }
  });

  it('strips metadata (EXIF, XMP, ICC) from every output format', async () => {
    const tagged = (img: sharp.Sharp) =>
      img
        .withExif({ IFD0: { Copyright: 'someone', Artist: 'someone' } })
        .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')
        .withIccProfile('p3')
        .toBuffer();
    const sources = [await tagged(solid(300, 200).jpeg()), await tagged(solid(300, 200).png()), await tagged(solid(300, 200).webp())];
    for (const src of sources) {
      expect((await sharp(src).metadata()).exif).toBeDefined(); // the test sources do carry it
      for (const recipe of [{ kind: 'cover', width: 100, height: 100 }, { kind: 'fit-width', maxWidth: 960 }] as ImageRecipe[]) {
        const r = await engine.render(from(src), recipe);
        const meta = await sharp(r.data).metadata();
        expect([meta.format, meta.exif, meta.xmp, meta.icc, meta.iptc]).toEqual([meta.format, undefined, undefined, undefined, undefined]);
      }
    }
  });

  it('flattens transparency on white for JPEG thumbnails', async () => {
    const clear = await solid(100, 100, { r: 0, g: 0, b: 0, alpha: 0 }, 4).png().toBuffer();
    const r = await engine.render(from(clear), { kind: 'cover', width: 50, height: 50 });
    expect(await pixel(r.data, 25, 25)).toEqual([255, 255, 255]);
  });
});

describe('SharpImages: refusals', () => {
  it('refuses a pixel bomb from its header, without decoding it', async () => {
    const bomb = await pngBomb(30000, 30000);
    expect(bomb.length).toBeLessThan(200_000);
    const rss = process.memoryUsage().rss;
    for (const call of [() => engine.probe(from(bomb)), () => engine.render(from(bomb), { kind: 'short-edge', size: 172 })]) {
      const e = await refusal(call());
      expect(e.code).toBe('unsupported_type');
      expect(e.message).toBe('the image has 30000×30000 pixels, more than the limit of 100000000');
      expect(e.details).toMatchObject({ reason: 'too_many_pixels', width: 30000, height: 30000, limit: 100_000_000 });
    }
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
  });

  it('applies a configured pixel limit', async () => {
    const strict = new SharpImages({ maxPixels: 10_000 });
    expect(await strict.probe(from(await png(100, 100)))).toMatchObject({ width: 100, height: 100 });
    const e = await refusal(strict.render(from(await png(101, 100)), { kind: 'long-edge', size: 50 }));
    expect([e.code, e.details?.reason]).toEqual(['unsupported_type', 'too_many_pixels']);
  });

  it('refuses truncated images', async () => {
    const noisy = await sharp({ create: { width: 300, height: 300, channels: 3, background: 'grey', noise: { type: 'gaussian', mean: 128, sigma: 30 } } });
    const jpg = await noisy.clone().jpeg().toBuffer();
    const cut = jpg.subarray(0, jpg.length >> 1);
    const e = await refusal(engine.render(from(cut), { kind: 'short-edge', size: 100 }));
    expect([e.code, e.details?.reason]).toEqual(['unsupported_type', 'undecodable']);
    expect(e.message).toMatch(/^the jpeg image cannot be decoded: /);
    // Cut within the header: already the probe refuses.
    expect((await refusal(engine.probe(from(jpg.subarray(0, 40))))).code).toBe('unsupported_type');

    const pngData = await noisy.clone().png().toBuffer();
    const e2 = await refusal(engine.render(from(pngData.subarray(0, pngData.length >> 1)), { kind: 'fit-width', maxWidth: 960 }));
    expect(e2.code).toBe('unsupported_type');
    const gif = await noisy.clone().gif().toBuffer();
    expect((await refusal(engine.probe(from(gif.subarray(0, gif.length >> 1))))).code).toBe('unsupported_type');
  });

  it('refuses text, empty input, BMP and random bytes that are not an image', async () => {
    for (const [input, reason] of [
      [Buffer.from('hello, this is plain text\n'.repeat(20)), 'not_an_image'],
      [Buffer.alloc(0), 'empty'],
      [Buffer.concat([Buffer.from('BM'), Buffer.alloc(100)]), 'not_an_image'],
      [Buffer.from('%PDF-1.7\n'), 'not_an_image'],
    ] as const) {
      for (const call of [() => engine.probe(from(input)), () => engine.render(from(input), { kind: 'short-edge', size: 10 })]) {
        const e = await refusal(call());
        expect([e.code, e.details?.reason]).toEqual(['unsupported_type', reason]);
      }
    }
    // A JPEG signature followed by garbage.
    const e = await refusal(engine.probe(from(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]))));
    expect(e.code).toBe('unsupported_type');
  });

  it('refuses SVG, never rasterising it', async () => {
    const svgs = [
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
      '\uFEFF<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    ];
    for (const svg of svgs) {
      for (const call of [() => engine.probe(from(Buffer.from(svg))), () => engine.render(from(Buffer.from(svg)), { kind: 'short-edge', size: 10 })]) {
        const e = await refusal(call());
        expect([e.code, e.details?.reason]).toEqual(['unsupported_type', 'svg']);
        expect(e.message).toMatch(/SVG/);
      }
    }
  });

  it('refuses an input over maxInputBytes while reading it, and destroys the source', async () => {
    const small = new SharpImages({ maxInputBytes: 100_000 });
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 16_384;
        this.push(Buffer.alloc(16_384, 0xff));
      },
    });
    const e = await refusal(small.probe(endless));
    expect([e.code, e.details?.reason, e.details?.limit]).toEqual(['payload_too_large', 'too_many_bytes', 100_000]);
    expect(endless.destroyed).toBe(true);
    expect(produced).toBeLessThan(300_000);
    // At the limit exactly is fine.
    const img = await png(20, 20);
    expect(await new SharpImages({ maxInputBytes: img.length }).probe(from(img))).toMatchObject({ width: 20 });
  });

  it('refuses bad recipes with bad_request, destroying the source', async () => {
    const bad = [
      { kind: 'short-edge', size: 0 },
      { kind: 'short-edge', size: -5 },
      { kind: 'long-edge', size: 1.5 },
      { kind: 'long-edge', size: 10_001 },
      { kind: 'cover', width: 172, height: Number.NaN },
      { kind: 'cover', width: 172 },
      { kind: 'fit-width', maxWidth: '960' },
      { kind: 'square', size: 10 },
    ] as unknown as ImageRecipe[];
    for (const recipe of bad) {
      const source = from(await png(10, 10));
      const e = await refusal(engine.render(source, recipe));
      expect([recipe, e.code]).toEqual([recipe, 'bad_request']);
      expect(source.destroyed).toBe(true);
    }
    expect((await engine.render(from(await png(10, 10)), { kind: 'long-edge', size: 10_000 })).width).toBe(10);
  });
});

describe('SharpImages: sources', () => {
  it('a source failing mid-way rejects with bad_request (source_error); a KuraError passes through', async () => {
    const img = await jpeg(400, 300);
    const failing = (err: Error) =>
      new Readable({
        read() {
          this.push(img.subarray(0, 1000));
          this.destroy(err);
        },
      });
    const e = await refusal(engine.render(failing(new Error('disk gone')), { kind: 'short-edge', size: 10 }));
    expect([e.code, e.details?.reason, e.message]).toEqual(['bad_request', 'source_error', 'the image could not be read: disk gone']);
    expect((e.cause as Error).message).toBe('disk gone');
    const k = await refusal(engine.probe(failing(new KuraError('not_found', 'no such blob'))));
    expect([k.code, k.message]).toEqual(['not_found', 'no such blob']);
  });

  it('a source destroyed without an error, or already consumed, is refused', async () => {
    const closed = new Readable({
      read() {
        this.destroy();
      },
    });
    expect((await refusal(engine.probe(closed))).code).toBe('bad_request');
    const done = from(await png(5, 5));
    done.resume();
    await new Promise((r) => done.on('end', r));
    expect((await refusal(engine.probe(done))).code).toBe('unsupported_type'); // nothing left to read: empty
  });

  it('a stalled source is dropped after sourceIdleMs and frees its permit', async () => {
    const quick = new SharpImages({ concurrency: 1, sourceIdleMs: 50 });
    const stalled = heldSource();
    const e = await refusal(quick.probe(stalled.stream));
    expect([e.code, e.details?.reason]).toEqual(['bad_request', 'source_idle']);
    expect(stalled.stream.destroyed).toBe(true);
    expect(await quick.probe(from(await png(5, 5)))).toMatchObject({ width: 5 });
  });
});

describe('SharpImages: file sources (blobs of the local store)', () => {
  let dir: string;
  let n = 0;
  const file = async (data: Buffer) => {
    const path = join(dir, `f${n++}`);
    await writeFile(path, data);
    return { file: path };
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kura-images-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('renders and probes a file exactly as the same bytes streamed', async () => {
    const turned = await halves(400, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const lossless = await solid(300, 200, 'green').webp({ lossless: true }).toBuffer();
    const pal = await solid(300, 200, 'blue').png({ palette: true }).toBuffer();
    const recipes: ImageRecipe[] = [
      { kind: 'short-edge', size: 100 },
      { kind: 'cover', width: 64, height: 64 },
      { kind: 'fit-width', maxWidth: 150 },
    ];
    for (const input of [turned, lossless, pal]) {
      expect(await engine.probe(await file(input))).toEqual(await engine.probe(from(input)));
      for (const recipe of recipes) {
        const a = await engine.render(await file(input), recipe);
        const b = await engine.render(from(input), recipe);
        expect([a.mime, a.width, a.height]).toEqual([b.mime, b.width, b.height]);
        expect(a.data.equals(b.data)).toBe(true);
      }
    }
    // Turned by its EXIF orientation; the lossless WebP stays lossless (read whole for that).
    expect(await engine.probe(await file(turned))).toMatchObject({ width: 200, height: 400, orientation: 6 });
    const w = await engine.render(await file(lossless), { kind: 'fit-width', maxWidth: 150 });
    expect(w.mime).toBe('image/webp');
    expect(w.data.includes(Buffer.from('VP8L'))).toBe(true);
  });

  it('refuses a missing file (not_found), a file over maxInputBytes, and every kind of non-image', async () => {
    expect((await refusal(engine.render({ file: join(dir, 'nothing-here') }, { kind: 'short-edge', size: 10 }))).code).toBe('not_found');
    const small = new SharpImages({ maxInputBytes: 1000 });
    const big = await refusal(small.probe(await file(await solid(200, 200).png({ compressionLevel: 0 }).toBuffer())));
    expect([big.code, big.details?.reason]).toEqual(['payload_too_large', 'too_many_bytes']);
    for (const [input, reason] of [
      [Buffer.alloc(0), 'empty'],
      [Buffer.from('hello, this is plain text\n'.repeat(20)), 'not_an_image'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), 'svg'],
      [await pngBomb(30000, 30000), 'too_many_pixels'],
    ] as const) {
      const e = await refusal(engine.render(await file(input), { kind: 'short-edge', size: 10 }));
      expect([e.code, e.details?.reason]).toEqual(['unsupported_type', reason]);
    }
  });

  it('refuses a truncated file without telling where the file is', async () => {
    const noisy = await sharp({ create: { width: 300, height: 300, channels: 3, background: 'grey', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
      .jpeg()
      .toBuffer();
    const src = await file(noisy.subarray(0, noisy.length >> 1));
    const e = await refusal(engine.render(src, { kind: 'short-edge', size: 100 }));
    expect([e.code, e.details?.reason]).toEqual(['unsupported_type', 'undecodable']);
    expect(e.message).toMatch(/^the jpeg image cannot be decoded: /);
    expect(e.message).not.toContain(dir);
    expect(JSON.stringify(e.details)).not.toContain(dir);
  });

  it('holds a permit while it reads a file, like a stream', async () => {
    const one = new SharpImages({ concurrency: 1 });
    const held = heldSource();
    const first = one.probe(held.stream);
    const second = one.probe(await file(await png(7, 7)));
    await new Promise((r) => setTimeout(r, 20));
    expect(one.load).toEqual({ running: 1, waiting: 1 });
    held.feed(await png(5, 5));
    expect(await first).toMatchObject({ width: 5 });
    expect(await second).toMatchObject({ width: 7 });
  });
});

describe('SharpImages: concurrency', () => {
  it('runs at most `concurrency` calls at once, the others in FIFO order', async () => {
    const one = new SharpImages({ concurrency: 1 });
    const img = await jpeg(1000, 800);
    const sources = [heldSource(), heldSource(), heldSource(), heldSource()];
    const started = () => sources.map((s) => s.started);
    const calls = sources.map((s, i) => (i % 2 ? one.probe(s.stream) : one.render(s.stream, { kind: 'short-edge', size: 50 })));
    for (let i = 0; i < sources.length; i++) {
      await vi.waitFor(() => expect(sources[i].started).toBe(true), { timeout: 10_000, interval: 5 });
      // Only the call at the head of the queue reads its source; the rest wait, untouched.
      expect(started()).toEqual(sources.map((_, j) => j <= i));
      expect(one.load).toEqual({ running: 1, waiting: sources.length - 1 - i });
      sources[i].feed(img);
      await calls[i];
    }
    expect(await calls[0]).toMatchObject({ width: 63, height: 50 });
    expect(await calls[1]).toEqual({ format: 'jpeg', width: 1000, height: 800, pages: 1 });
    expect(one.load).toEqual({ running: 0, waiting: 0 });
  });

  it('runs two at once by default, with sharp tuned to one thread and no cache', async () => {
    const two = new SharpImages();
    const sources = [heldSource(), heldSource(), heldSource()];
    const calls = sources.map((s) => two.probe(s.stream));
    await vi.waitFor(() => expect([sources[0].started, sources[1].started]).toEqual([true, true]));
    expect([sources[2].started, two.load]).toEqual([false, { running: 2, waiting: 1 }]);
    sources[1].feed(await png(3, 3));
    await calls[1];
    await vi.waitFor(() => expect(sources[2].started).toBe(true));
    expect(two.load).toEqual({ running: 2, waiting: 0 });
    sources[0].feed(await png(2, 2));
    sources[2].feed(await png(4, 4));
    expect((await Promise.all(calls)).map((i) => i.width)).toEqual([2, 3, 4]);
    expect(sharp.concurrency()).toBe(1);
    expect(sharp.cache().items.max).toBe(0);
  });

  it('a queued source that fails leaves the queue at once, without waiting for its turn', async () => {
    const one = new SharpImages({ concurrency: 1 });
    const head = heldSource();
    const queued = heldSource();
    const first = one.probe(head.stream);
    const second = one.probe(queued.stream);
    await vi.waitFor(() => expect(head.started).toBe(true));
    expect(one.load).toEqual({ running: 1, waiting: 1 });
    queued.stream.destroy(new Error('client went away'));
    const e = await refusal(second);
    expect([e.code, e.details?.reason]).toEqual(['bad_request', 'source_error']);
    expect(one.load).toEqual({ running: 1, waiting: 0 });
    head.feed(await png(7, 7));
    expect(await first).toMatchObject({ width: 7 });
  });

  it('Permits hands a released permit to the oldest waiter', async () => {
    const permits = new Permits(2);
    const order: number[] = [];
    const held = await Promise.all([permits.acquire(), permits.acquire()]);
    const waiters = [3, 4, 5].map((n) => permits.acquire().then((release) => (order.push(n), release)));
    expect([permits.running, permits.waiting]).toEqual([2, 3]);
    held[0]();
    held[0](); // a second release does nothing
    const r3 = await waiters[0];
    expect([permits.running, permits.waiting]).toEqual([2, 2]);
    held[1]();
    r3();
    (await waiters[1])();
    (await waiters[2])();
    expect(order).toEqual([3, 4, 5]);
    expect([permits.running, permits.waiting]).toEqual([0, 0]);
  });
});
