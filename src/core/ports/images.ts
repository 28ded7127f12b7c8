import type { Readable } from 'node:stream';

/**
 * How a derivative image is made from its source. Every recipe applies the EXIF
 * orientation, strips metadata, takes the first frame of an animation and never enlarges.
 *
 * - `short-edge`: the shorter side ≤ `size`, aspect kept (media `size=N`).
 * - `long-edge`: the longer side ≤ `size`, aspect kept (media `size=0,N` / `N,0`, drive icons).
 * - `cover`: exactly `width`×`height`, scaled to cover and cropped around the centre
 *   (media `size=W,H`); an image smaller than that is not enlarged, only cropped.
 * - `fit-width`: width ≤ `maxWidth`, aspect kept, re-encoded in the source's format where
 *   it can be written (else JPEG) (10Centuries' 960 px rule; the original is kept apart).
 *
 * Thumbnails (`short-edge`, `long-edge`, `cover`) are always JPEG.
 */
export type ImageRecipe =
  | { kind: 'short-edge'; size: number }
  | { kind: 'long-edge'; size: number }
  | { kind: 'cover'; width: number; height: number }
  | { kind: 'fit-width'; maxWidth: number };

/** The stable name of a recipe, stored with each derivative (`short-720`, `cover-172x172`, …). */
export function recipeKey(r: ImageRecipe): string {
  switch (r.kind) {
    case 'short-edge':
      return `short-${r.size}`;
    case 'long-edge':
      return `long-${r.size}`;
    case 'cover':
      return `cover-${r.width}x${r.height}`;
    case 'fit-width':
      return `fitw-${r.maxWidth}`;
  }
}

/** What a probe learns from an image's header, without decoding its pixels. */
export interface ImageInfo {
  /** sharp/libvips format name: jpeg, png, webp, gif, tiff, heif, avif, svg, … */
  format: string;
  /** As displayed, i.e. after the EXIF orientation (a 90° turn swaps them). */
  width: number;
  height: number;
  /** Frames (1 for a still image). */
  pages: number;
  /** EXIF orientation 1–8, when present. */
  orientation?: number;
}

export interface RenderedImage {
  data: Buffer;
  mime: string;
  width: number;
  height: number;
}

/**
 * Where an engine reads an image from: a stream it buffers (within its byte limit), or a
 * file on the local disk that holds immutable content (a blob of the local store), which
 * the engine opens and reads itself, with no copy into memory.
 */
export type ImageSource = Readable | { file: string };

export const isFileSource = (s: ImageSource): s is { file: string } => typeof (s as { file?: unknown }).file === 'string';

/**
 * Decodes and renders images (sharp in src/media/). Implementations refuse with
 * KuraError('unsupported_type') anything that is not a decodable raster image, and
 * refuse quickly, with bounded memory, images above their pixel limit (decompression
 * bombs) and inputs above their byte limit. They bound how many decodes run at once;
 * the rest wait their turn.
 */
export interface ImageEngine {
  probe(source: ImageSource): Promise<ImageInfo>;
  render(source: ImageSource, recipe: ImageRecipe): Promise<RenderedImage>;
  /** `probe`, then `render` when `want` says so, reading the source once. */
  probeAndRender(source: ImageSource, recipe: ImageRecipe, want: (info: ImageInfo) => boolean): Promise<{ info: ImageInfo; rendered?: RenderedImage }>;
}
