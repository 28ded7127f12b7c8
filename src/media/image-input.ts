import type { Readable } from 'node:stream';
import { isKuraError, KuraError } from '../core/index.js';

/**
 * Reading an image source into memory (bounded) and recognising its format from its first
 * bytes, before sharp sees it. Part of the sharp image engine (images.ts).
 */

export interface ReadLimits {
  /** More bytes than this: the source is destroyed and the read refused with payload_too_large. */
  maxBytes: number;
  /** No bytes for this long: the source is destroyed and the read refused with bad_request. */
  idleMs: number;
}

/**
 * How a failing source is reported. A KuraError from the source (a blob store's not_found,
 * an upload's payload_too_large) is passed through unchanged: the source knows best. Any
 * other error (a client that went away mid-upload, a reset socket, a stream destroyed
 * early) becomes bad_request with `details.reason` 'source_error' and the original as
 * `cause`: the image could not be read, the engine itself did not fail.
 */
export function sourceFailure(e: unknown): KuraError {
  if (isKuraError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const err = new KuraError('bad_request', `the image could not be read: ${message}`, { reason: 'source_error' });
  err.cause = e;
  return err;
}

/**
 * Reads `source` to its end into one Buffer, counting bytes as they arrive: a source longer
 * than `maxBytes` is destroyed as soon as it crosses the limit (never buffered whole), a
 * source idle for `idleMs` is destroyed too. On every failure the source is destroyed, so
 * nothing is left flowing into nothing. A paused source is resumed.
 */
export function readSource(source: Readable, limits: ReadLimits): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    if (source.errored) return reject(sourceFailure(source.errored));
    if (source.readableEnded) return resolve(Buffer.alloc(0)); // already read to its end by someone else: nothing left
    if (source.destroyed) return reject(sourceFailure(new Error('the source was closed before it was read')));

    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (e: KuraError | undefined, destroy: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('close', onClose);
      if (destroy) source.destroy();
      if (e) reject(e);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onData = (chunk: unknown) => {
      const buf = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' || chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined;
      if (!buf) return finish(new KuraError('bad_request', 'the image source yields something other than bytes', { reason: 'source_error' }), true);
      size += buf.length;
      if (size > limits.maxBytes) {
        return finish(
          new KuraError('payload_too_large', `the image is larger than the limit of ${limits.maxBytes} bytes`, { reason: 'too_many_bytes', limit: limits.maxBytes }),
          true,
        );
      }
      chunks.push(buf);
      timer.refresh();
    };
    const onEnd = () => finish(undefined, false);
    const onError = (e: unknown) => finish(sourceFailure(e), true);
    const onClose = () => finish(sourceFailure(new Error('the source closed before its end')), false);
    const timer = setTimeout(
      () => finish(new KuraError('bad_request', `the image source sent nothing for ${limits.idleMs} ms`, { reason: 'source_idle', idleMs: limits.idleMs }), true),
      limits.idleMs,
    );

    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
    source.on('close', onClose);
    source.resume();
  });
}

/** The formats the engine accepts, named as sharp/libvips names them. */
export type RasterFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'heif';

export const ACCEPTED_FORMATS: readonly RasterFormat[] = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'];

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1', 'avif', 'avis']);

const startsWith = (b: Buffer, bytes: number[], at = 0) => b.length >= at + bytes.length && bytes.every((x, i) => b[at + i] === x);
const ascii = (b: Buffer, from: number, to: number) => b.toString('latin1', from, to);

/**
 * The raster format of `b` from its magic bytes, or undefined. Only these formats are ever
 * handed to sharp: libvips would otherwise pick a loader by sniffing on its own (SVG via
 * librsvg among them), and the engine decodes nothing it did not choose to.
 */
export function sniffFormat(b: Buffer): RasterFormat | undefined {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 16 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(b, [0x49, 0x49, 0x2b, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff'; // BigTIFF
  if (b.length >= 16 && ascii(b, 4, 8) === 'ftyp') {
    // ISO BMFF: the major brand, then (after the minor version) the compatible brands.
    const boxEnd = Math.min(b.readUInt32BE(0), b.length, 256);
    for (let at = 8; at + 4 <= boxEnd; at += at === 8 ? 8 : 4) if (HEIF_BRANDS.has(ascii(b, at, at + 4))) return 'heif';
  }
  return undefined;
}

/** Whether `b` looks like SVG (XML whose first element, within the first 4 KiB, is `<svg`). */
export function looksLikeSvg(b: Buffer): boolean {
  const head = b.toString('utf8', 0, Math.min(b.length, 4096)).replace(/^\uFEFF/, '').trimStart();
  return head.startsWith('<') && /<svg[\s>/]/i.test(head);
}

/**
 * Whether a WebP file is lossless (its image data is a VP8L chunk, also inside the first
 * animation frame), so that re-encoding keeps it lossless. Lossy (VP8) or unknown: false.
 */
export function webpIsLossless(b: Buffer): boolean {
  const scan = (from: number, to: number): boolean | undefined => {
    for (let at = from; at + 8 <= to; ) {
      const id = ascii(b, at, at + 4);
      const len = b.readUInt32LE(at + 4);
      if (id === 'VP8L') return true;
      if (id === 'VP8 ') return false;
      if (id === 'ANMF') return scan(at + 8 + 16, Math.min(to, at + 8 + len));
      at += 8 + len + (len & 1);
    }
    return undefined;
  };
  return b.length >= 20 && (scan(12, b.length) ?? false);
}
