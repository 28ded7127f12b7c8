import { WEB_COPY } from '../../../core/index.js';

/**
 * The 10Centuries MIME allow-list, judged from the sniffed type. The spec lists several
 * names for one kind of content (image/jpg and image/jpeg, audio/mp3 and audio/mpeg, …);
 * the sniffer names each kind once, so each sniffed type stands for its group of names and
 * is taken when any name of the group is allowed.
 */
const GROUPS: readonly (readonly string[])[] = [
  ['image/jpeg', 'image/jpg', 'image/pjpeg'],
  ['image/gif', 'image/x-gif'],
  ['image/png', 'image/x-png'],
  ['image/tiff', 'image/x-tiff'],
  ['image/bmp', 'image/x-windows-bmp', 'image/x-bmp', 'image/x-ms-bmp'],
  ['image/webp'],
  ['audio/mpeg', 'audio/mp3', 'audio/x-mp3', 'audio/mpeg3', 'audio/x-mpeg'],
  ['audio/mp4', 'audio/x-mp4', 'audio/m4a', 'audio/x-m4a', 'video/m4a'],
  ['video/mp4'],
  ['video/x-m4v', 'video/m4v'],
  ['video/quicktime'],
  ['video/mp2t'],
  ['application/x-mpegurl', 'application/vnd.apple.mpegurl', 'audio/x-mpegurl', 'audio/mpegurl'],
];

const GROUP_OF = new Map<string, readonly string[]>();
for (const g of GROUPS) for (const name of g) GROUP_OF.set(name, g);

/** The names a sniffed type goes by. */
export const namesOf = (mime: string): readonly string[] => GROUP_OF.get(mime) ?? [mime];

/** A test for sniffed types against a configured list of allowed names. */
export function allowList(allowed: readonly string[]): (mime: string) => boolean {
  const set = new Set(allowed.map((m) => m.toLowerCase()));
  return (mime) => namesOf(mime.toLowerCase()).some((n) => set.has(n));
}

/**
 * Sniffed types the image rules apply to (validation, re-orientation, resize): the raster
 * formats the image engine decodes. BMP is stored as it came (the engine does not read it).
 */
export const IMAGE_RULES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/tiff', 'image/webp', 'image/heic', 'image/heif', 'image/avif']);

/**
 * The spec's width limit: wider images are served resized, the full size as `_original`.
 * The core's one fixed recipe besides the thumbnail ladder.
 */
export const CDN_RECIPE = WEB_COPY;
export const CDN_WIDTH = CDN_RECIPE.maxWidth;
