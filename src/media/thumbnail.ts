import type { Readable } from 'node:stream';
import sharp from 'sharp';

/** Decoding stops beyond this many pixels (a decompression bomb is refused, not decoded). */
export const PIXEL_LIMIT = 100_000_000;

/**
 * A JPEG thumbnail within `size`×`size`, re-oriented from EXIF, never enlarged. libvips
 * shrinks on load, so a 12-megapixel JPEG is decoded at a fraction of its size.
 */
export async function jpegThumbnail(source: Readable, size: number): Promise<Buffer> {
  const pipeline = sharp({ limitInputPixels: PIXEL_LIMIT, failOn: 'error' }).rotate().resize(size, size, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80, mozjpeg: false });
  source.pipe(pipeline);
  return pipeline.toBuffer();
}
