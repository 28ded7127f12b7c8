import type { Readable } from 'node:stream';
import { KuraError } from '../errors.js';
import type { ImageEngine, ImageInfo } from '../ports/index.js';
import { isRaster } from './derivatives.js';

/**
 * What an image must be for a slot or an upload rule: its format (sharp's names: jpeg,
 * png, webp, …) and exact displayed size (after the EXIF orientation).
 */
export interface ImageRule {
  /** Accepted formats; absent: any raster image. */
  formats?: readonly string[];
  width?: number;
  height?: number;
}

/** A small rendering that proves the whole image decodes (a header alone probes fine). */
const DECODE_CHECK = { kind: 'long-edge', size: 32 } as const;

const MIME_OF: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', avif: 'image/avif', heif: 'image/heif', tiff: 'image/tiff' };

/** Refuses, by its sniffed type alone, content that cannot satisfy `rule` (before anything is kept). */
export function acceptImageType(mime: string, rule: ImageRule): void {
  if (!isRaster(mime)) throw new KuraError('unsupported_type', `expected an image${rule.formats ? ` (${rule.formats.join(', ')})` : ''}, got ${mime}`, { mime });
  if (rule.formats && !rule.formats.some((f) => MIME_OF[f] === mime)) throw new KuraError('unsupported_type', `expected ${rule.formats.join(' or ')}, got ${mime}`, { mime });
}

/**
 * Checks an image against `rule` through the engine: its header (format, displayed size),
 * then a full decode, so a truncated or corrupt image is refused too.
 */
export async function checkImage(images: ImageEngine, open: () => Promise<Readable>, rule: ImageRule): Promise<ImageInfo> {
  const info = await images.probe(await open());
  if (rule.formats && !rule.formats.includes(info.format)) throw new KuraError('unsupported_type', `expected ${rule.formats.join(' or ')}, got ${info.format}`, { format: info.format });
  if ((rule.width !== undefined && info.width !== rule.width) || (rule.height !== undefined && info.height !== rule.height)) {
    throw new KuraError('bad_request', `the image must be ${rule.width ?? 'any'}×${rule.height ?? 'any'} pixels, not ${info.width}×${info.height}`, { width: info.width, height: info.height });
  }
  await images.render(await open(), DECODE_CHECK);
  return info;
}
