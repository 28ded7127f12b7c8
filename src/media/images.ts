import { open } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { KuraError, isFileSource, isKuraError, type ImageEngine, type ImageInfo, type ImageRecipe, type ImageSource, type RenderedImage } from '../core/index.js';
import { ACCEPTED_FORMATS, looksLikeSvg, readSource, sniffFormat, sourceFailure, webpIsLossless } from './image-input.js';
import type { RasterFormat } from './image-input.js';
import { Permits } from '../core/index.js';

/** Decoding stops beyond this many pixels (a decompression bomb is refused, not decoded). */
export const PIXEL_LIMIT = 100_000_000;

export interface SharpImagesOptions {
  /**
   * Largest width × height (of one frame) accepted; default 100_000_000. Checked on the
   * header, before any pixel is decoded, so a decompression bomb is refused quickly and
   * with bounded memory (sharp's own `limitInputPixels` is set to it as a second guard).
   */
  maxPixels?: number;
  /**
   * Largest input in bytes; default 256 MiB. sharp decodes from memory, so the input is
   * buffered; a longer source is destroyed as soon as it crosses the limit, never buffered
   * whole (payload_too_large).
   */
  maxInputBytes?: number;
  /**
   * Probes and renders running at once; default 2 (one per core on the reference 2-core
   * host: libvips runs one thread per image, see `tuneSharp`). The others wait in a FIFO
   * queue with their source paused. A permit is held from the first byte read to the last
   * byte encoded, so memory is bounded by about `concurrency × (maxInputBytes + decode)`.
   */
  concurrency?: number;
  /**
   * A source that sends nothing for this long is destroyed and the call refused
   * (bad_request, reason 'source_idle'); default 30 000 ms. A stalled source would
   * otherwise hold its permit, and every caller queued behind it, forever.
   */
  sourceIdleMs?: number;
}

/** Recipe numbers (sizes, widths, heights) must be integers in 1…MAX_DIMENSION. */
export const MAX_DIMENSION = 10_000;

const MIME: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };
const WHITE = { r: 255, g: 255, b: 255 };

/**
 * sharp's process-wide settings, tuned once for a server that renders many distinct images:
 *
 * - `sharp.cache(false)`: the libvips operation cache (by default up to 50 MB, 100
 *   operations) only pays off when the same input is processed again, which does not
 *   happen here (every input is a new buffer; derivatives are stored once made). Measured
 *   on the 2-core host, 4000×3000 JPEG/PNG → 960 wide, two at a time: no speed difference
 *   within noise, so it is memory held for nothing.
 * - `sharp.concurrency(1)`: libvips threads per image. With two images at once on two
 *   cores, 2 threads per image did not raise throughput (JPEG 88 vs 78 ms/image, PNG 248 vs
 *   267, noise of the same size) while each extra thread keeps its own tile buffers; glibc
 *   malloc also fragments more with more threads (sharp's own default is 1 on glibc without
 *   jemalloc for this reason). Parallelism comes from `concurrency` images at once instead.
 *
 * These are global to the process (icons.ts and thumbnail.ts share them), so they are set
 * once, by the first engine made.
 */
let tuned = false;
export function tuneSharp(): void {
  if (tuned) return;
  tuned = true;
  sharp.cache(false);
  sharp.concurrency(1);
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`SharpImages: ${name} must be a positive integer, not ${v}`);
  return v;
}

/** Refuses (bad_request) a recipe whose numbers are not integers in 1…10 000, or an unknown kind. */
export function validateRecipe(r: ImageRecipe): void {
  const check = (field: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_DIMENSION) {
      throw new KuraError('bad_request', `${field} must be an integer from 1 to ${MAX_DIMENSION}, not ${String(v)}`, { field });
    }
  };
  switch (r?.kind) {
    case 'short-edge':
    case 'long-edge':
      return check('size', r.size);
    case 'cover':
      check('width', r.width);
      return check('height', r.height);
    case 'fit-width':
      return check('maxWidth', r.maxWidth);
    default:
      throw new KuraError('bad_request', `unknown image recipe ${JSON.stringify((r as { kind?: unknown } | undefined)?.kind)}`, { field: 'kind' });
  }
}

/**
 * The box a `cover` recipe crops to, for a displayed `width`×`height` source. When the
 * source covers the target, the target itself (scaled down, then cropped at the centre).
 * When covering it would need enlarging, the largest centred box of the target's aspect
 * ratio that the source holds, unscaled: 100×80 for 172×172 gives 80×80, so the output is
 * always of the requested shape (a square stays a square), only smaller.
 */
export function coverBox(width: number, height: number, targetW: number, targetH: number): [number, number] {
  if (targetW <= width && targetH <= height) return [targetW, targetH];
  if (width * targetH > height * targetW) return [Math.max(1, Math.min(width, Math.round((height * targetW) / targetH))), height];
  return [width, Math.max(1, Math.min(height, Math.round((width * targetH) / targetW)))];
}

/**
 * An image as the engine holds it: `data` for sharp (the bytes, or the path of a file that
 * holds them) and `head`, its first bytes at least (all of them when buffered).
 */
interface Input {
  data: Buffer | string;
  head: Buffer;
}

/** What a file source's format is told from (sniffFormat, looksLikeSvg: 4 KiB at most). */
const FILE_HEAD_BYTES = 4096;

/** A bad recipe is refused before the source is read; a stream source is then closed. */
function checkRecipeOf(source: ImageSource, recipe: ImageRecipe): void {
  try {
    validateRecipe(recipe);
  } catch (e) {
    if (!isFileSource(source)) source.on('error', () => undefined).destroy();
    throw e;
  }
}

function undecodable(e: unknown, format: string, input: Input): KuraError {
  if (isKuraError(e)) return e;
  const raw = e instanceof Error ? e.message : String(e);
  // libvips names a file it reads: the client is never told where blobs are kept.
  const file = typeof input.data === 'string' ? input.data : undefined;
  if (file && /input file is missing/i.test(raw)) return new KuraError('not_found', 'content not found');
  const message = (file ? raw.split(file).join('(content)') : raw).split('\n')[0].slice(0, 200);
  if (/exceeds pixel limit/i.test(message)) return new KuraError('unsupported_type', 'the image has more pixels than the limit', { reason: 'too_many_pixels' });
  return new KuraError('unsupported_type', `the ${format} image cannot be decoded: ${message}`, { reason: 'undecodable', format });
}

/**
 * The ImageEngine port with sharp (libvips). Every call takes a permit (at most `concurrency`
 * at once, FIFO), buffers its source within `maxInputBytes`, recognises the format from the
 * magic bytes (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF; SVG and everything else refused before
 * sharp sees them), reads the header (pixel limit checked there), and only then decodes.
 *
 * `render` outputs (see the port for the recipes):
 * - thumbnails (`short-edge`, `long-edge`, `cover`): JPEG q80, baseline, transparency
 *   flattened on white;
 * - `fit-width`: always re-encoded, even when already narrow enough, because the derivative
 *   must be re-oriented and stripped of metadata (GPS, camera serials) and compressed.
 *   JPEG → JPEG (mozjpeg, q82); PNG → PNG (zlib level 9, palette kept only for a palette
 *   source: lossless); WebP → WebP (lossless stays lossless, else q82); GIF → a still GIF
 *   of the first frame (the port keeps the format where sharp writes it, and a `.gif` file
 *   keeps meaning image/gif); TIFF, HEIF/AVIF → JPEG q82 (flattened on white): not web
 *   formats, or too slow to encode on the upload path.
 *
 * Always: EXIF orientation applied, then metadata stripped (EXIF, XMP, IPTC, ICC: colours
 * are converted to sRGB first, sharp's default), first frame only, never enlarged.
 *
 * `probe` reads the header only (no pixel decoded), so a file cut after its header probes
 * fine and only `render` refuses it. Decoding uses `failOn: 'error'`: truncated or corrupt
 * pixel data is refused (unsupported_type, reason 'undecodable'), while mere libjpeg
 * warnings (a few extraneous bytes, common in camera files) are tolerated.
 */
export class SharpImages implements ImageEngine {
  readonly maxPixels: number;
  readonly maxInputBytes: number;
  readonly sourceIdleMs: number;
  readonly #permits: Permits;

  constructor(options: SharpImagesOptions = {}) {
    this.maxPixels = positiveInt('maxPixels', options.maxPixels ?? PIXEL_LIMIT);
    this.maxInputBytes = positiveInt('maxInputBytes', options.maxInputBytes ?? 256 * 1024 * 1024);
    this.sourceIdleMs = positiveInt('sourceIdleMs', options.sourceIdleMs ?? 30_000);
    this.#permits = new Permits(positiveInt('concurrency', options.concurrency ?? 2));
    tuneSharp();
  }

  /** Calls holding a permit, and calls waiting for one (for metrics and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.#permits.running, waiting: this.#permits.waiting };
  }

  async probe(source: ImageSource): Promise<ImageInfo> {
    return this.#withInput(source, async (input) => infoOf((await this.#inspect(input)).meta));
  }

  async render(source: ImageSource, recipe: ImageRecipe): Promise<RenderedImage> {
    checkRecipeOf(source, recipe);
    return this.#withInput(source, async (input) => this.#render(input, await this.#inspect(input), recipe));
  }

  async probeAndRender(source: ImageSource, recipe: ImageRecipe, want: (info: ImageInfo) => boolean): Promise<{ info: ImageInfo; rendered?: RenderedImage }> {
    checkRecipeOf(source, recipe);
    return this.#withInput(source, async (input) => {
      const inspected = await this.#inspect(input);
      const info = infoOf(inspected.meta);
      return want(info) ? { info, rendered: await this.#render(input, inspected, recipe) } : { info };
    });
  }

  async #render(input: Input, { meta, format }: { meta: Metadata; format: RasterFormat }, recipe: ImageRecipe): Promise<RenderedImage> {
    const { width, height } = meta.autoOrient;
    let img = sharp(input.data, { failOn: 'error', limitInputPixels: this.maxPixels, pages: 1, page: 0 }).rotate();
    let out: string;
    switch (recipe.kind) {
      case 'short-edge':
        img = img.resize(recipe.size, recipe.size, { fit: 'outside', withoutEnlargement: true });
        break;
      case 'long-edge':
        img = img.resize(recipe.size, recipe.size, { fit: 'inside', withoutEnlargement: true });
        break;
      case 'cover': {
        const [w, h] = coverBox(width, height, recipe.width, recipe.height);
        img = img.resize(w, h, { fit: 'cover', position: 'centre', withoutEnlargement: true });
        break;
      }
      case 'fit-width':
        img = img.resize({ width: recipe.maxWidth, withoutEnlargement: true });
        break;
    }
    if (recipe.kind === 'fit-width') [img, out] = encodeKept(img, format, meta, input.head);
    else [img, out] = [img.flatten({ background: WHITE }).jpeg({ quality: 80, progressive: false, mozjpeg: false }), 'jpeg'];
    try {
      const { data, info } = await img.toBuffer({ resolveWithObject: true });
      return { data, mime: MIME[out], width: info.width, height: info.height };
    } catch (e) {
      throw undecodable(e, format, input);
    }
  }

  /**
   * Runs `work` on the source within a permit. A stream is buffered (within maxInputBytes);
   * its errors are listened to from the start: one that fails while queued leaves the queue
   * at once (rejecting with the mapped error) instead of crashing the process for want of a
   * listener, or waiting. A file is opened only once the permit is held.
   */
  async #withInput<T>(source: ImageSource, work: (input: Input) => Promise<T>): Promise<T> {
    if (isFileSource(source)) {
      const release = await this.#permits.acquire();
      try {
        return await work(await this.#fileInput(source.file));
      } finally {
        release();
      }
    }
    // The engine owns the source from here on: a late error (after a destroy) is not fatal.
    source.on('error', () => undefined);
    const queued = new AbortController();
    const onQueuedError = (e: unknown) => queued.abort(e);
    source.on('error', onQueuedError);
    let release: () => void;
    try {
      release = await this.#permits.acquire(queued.signal);
    } catch (e) {
      source.destroy();
      throw sourceFailure(e);
    } finally {
      source.off('error', onQueuedError);
    }
    try {
      const data = await readSource(source, { maxBytes: this.maxInputBytes, idleMs: this.sourceIdleMs });
      return await work({ data, head: data });
    } finally {
      release();
    }
  }

  /**
   * A file source: its size is checked against maxInputBytes and its first bytes read for
   * the format; libvips then reads the file itself. A WebP file is read whole (choosing its
   * encoder needs its chunk list); so is an empty one.
   */
  async #fileInput(file: string): Promise<Input> {
    const fh = await open(file, 'r').catch((e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      throw code === 'ENOENT' || code === 'ENOTDIR' ? new KuraError('not_found', 'content not found') : e;
    });
    try {
      const { size } = await fh.stat();
      if (size > this.maxInputBytes) {
        throw new KuraError('payload_too_large', `the image is larger than the limit of ${this.maxInputBytes} bytes`, { reason: 'too_many_bytes', limit: this.maxInputBytes });
      }
      const head = Buffer.alloc(Math.min(size, FILE_HEAD_BYTES));
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      if (sniffFormat(head) !== 'webp' && size > 0) return { data: file, head: head.subarray(0, bytesRead) };
      const whole = await fh.readFile();
      return { data: whole, head: whole };
    } finally {
      await fh.close();
    }
  }

  /** Format from the magic bytes, then the header (no pixel decoded): pixel limit, format allowed. */
  async #inspect(input: Input): Promise<{ meta: Metadata & { format: RasterFormat }; format: RasterFormat }> {
    const sniffed = sniffFormat(input.head);
    if (!sniffed) {
      if (input.head.length === 0) throw new KuraError('unsupported_type', 'the file is empty, not an image', { reason: 'empty' });
      if (looksLikeSvg(input.head)) {
        throw new KuraError('unsupported_type', 'SVG images are refused: SVG is an active format (scripts, external references) and is never rasterised', {
          reason: 'svg',
        });
      }
      throw new KuraError('unsupported_type', `not an image this server can read (${ACCEPTED_FORMATS.join(', ')})`, { reason: 'not_an_image' });
    }
    let meta: Metadata;
    try {
      // Header only; the pixel limit is checked below, with the actual dimensions in the message.
      meta = await sharp(input.data, { failOn: 'error', limitInputPixels: false, pages: 1, page: 0 }).metadata();
    } catch (e) {
      throw undecodable(e, sniffed, input);
    }
    const format = meta.format as string;
    if (!(ACCEPTED_FORMATS as readonly string[]).includes(format) || !meta.width || !meta.height) {
      throw new KuraError('unsupported_type', `not an image this server can read (${format})`, { reason: 'not_an_image', format });
    }
    const pixels = meta.width * meta.height;
    if (pixels > this.maxPixels) {
      throw new KuraError('unsupported_type', `the image has ${meta.width}×${meta.height} pixels, more than the limit of ${this.maxPixels}`, {
        reason: 'too_many_pixels',
        width: meta.width,
        height: meta.height,
        pixels,
        limit: this.maxPixels,
      });
    }
    return { meta: meta as Metadata & { format: RasterFormat }, format: format as RasterFormat };
  }
}

/**
 * mozjpeg's trellis quantisation without its scan optimisation: a 12 MP photo's 960 px copy
 * comes out about 3% larger than with every mozjpeg search, in about 60% of the time
 * (the search for the best progressive scans was a third of a 10Centuries upload).
 */
const KEPT_JPEG = { quality: 82, mozjpeg: true, optimiseScans: false } as const;

/** What a probe tells of an image: format, displayed size, pages, EXIF orientation. */
function infoOf(meta: Metadata & { format: RasterFormat }): ImageInfo {
  const orientation = meta.orientation !== undefined && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : undefined;
  return {
    format: meta.format,
    width: meta.autoOrient.width,
    height: meta.autoOrient.height,
    pages: meta.pages ?? 1,
    ...(orientation !== undefined ? { orientation } : {}),
  };
}

/** fit-width's encoder: the source's format where it is a web format sharp writes, else JPEG. */
function encodeKept(img: Sharp, format: RasterFormat, meta: Metadata, input: Buffer): [Sharp, string] {
  switch (format) {
    case 'jpeg':
      return [img.jpeg(KEPT_JPEG), 'jpeg'];
    case 'png':
      return meta.isPalette
        ? [img.png({ compressionLevel: 9, palette: true, quality: 100, effort: 10 }), 'png']
        : [img.png({ compressionLevel: 9, adaptiveFiltering: true }), 'png'];
    case 'webp':
      return webpIsLossless(input) ? [img.webp({ lossless: true, effort: 4 }), 'webp'] : [img.webp({ quality: 82, effort: 4 }), 'webp'];
    case 'gif':
      return [img.gif({ effort: 7 }), 'gif'];
    default:
      return [img.flatten({ background: WHITE }).jpeg(KEPT_JPEG), 'jpeg'];
  }
}
