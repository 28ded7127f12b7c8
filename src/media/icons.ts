import { createHash } from 'node:crypto';
import sharp from 'sharp';

/** File categories with one icon look each. */
export type IconCategory = 'folder' | 'image' | 'video' | 'audio' | 'pdf' | 'document' | 'spreadsheet' | 'presentation' | 'archive' | 'code' | 'text' | 'file';

const BY_EXTENSION: Record<string, IconCategory> = {};
const groups: [IconCategory, string][] = [
  ['image', 'jpg jpeg png gif bmp webp tif tiff svg heic heif avif ico psd raw'],
  ['video', 'mp4 m4v mov avi mkv webm wmv flv mpg mpeg 3gp ts'],
  ['audio', 'mp3 m4a aac wav flac ogg oga opus wma amr mid midi'],
  ['pdf', 'pdf'],
  ['document', 'doc docx odt rtf pages wps'],
  ['spreadsheet', 'xls xlsx ods csv tsv numbers et'],
  ['presentation', 'ppt pptx odp key dps'],
  ['archive', 'zip rar 7z tar gz tgz bz2 xz zst iso dmg'],
  ['code', 'js mjs ts tsx jsx json html htm css scss xml yaml yml py java c h cpp cs go rs rb php sh sql kt swift'],
  ['text', 'txt md markdown log ini conf cfg'],
];
for (const [cat, list] of groups) for (const ext of list.split(' ')) BY_EXTENSION[ext] = cat;

export function categoryOf(ext: string): IconCategory {
  const e = ext.toLowerCase().replace(/^\./, '');
  return e === 'folder' ? 'folder' : (BY_EXTENSION[e] ?? 'file');
}

const COLOURS: Record<IconCategory, string> = {
  folder: '#f2b437',
  image: '#2f9e67',
  video: '#d9480f',
  audio: '#9c36b5',
  pdf: '#e03131',
  document: '#1c7ed6',
  spreadsheet: '#2b8a3e',
  presentation: '#e8590c',
  archive: '#795548',
  code: '#495057',
  text: '#868e96',
  file: '#adb5bd',
};

/** A glyph drawn on the page per category (shapes only: no fonts needed). */
const GLYPHS: Record<IconCategory, string> = {
  folder: '',
  image: '<circle cx="96" cy="120" r="16" fill="#fff"/><path d="M64 200 L112 150 L140 176 L168 140 L196 200 Z" fill="#fff"/>',
  video: '<path d="M104 120 L104 196 L168 158 Z" fill="#fff"/>',
  audio: '<path d="M112 196 a18 14 0 1 1 0-1 V120 L172 108 V180 a18 14 0 1 1 0-1 V130 L124 140 V196" fill="#fff"/>',
  pdf: '<rect x="80" y="120" width="96" height="16" rx="4" fill="#fff"/><rect x="80" y="150" width="96" height="16" rx="4" fill="#fff"/><rect x="80" y="180" width="60" height="16" rx="4" fill="#fff"/>',
  document: '<rect x="80" y="116" width="96" height="10" rx="3" fill="#fff"/><rect x="80" y="138" width="96" height="10" rx="3" fill="#fff"/><rect x="80" y="160" width="96" height="10" rx="3" fill="#fff"/><rect x="80" y="182" width="64" height="10" rx="3" fill="#fff"/>',
  spreadsheet: '<path d="M76 116 H180 V200 H76 Z M76 144 H180 M76 172 H180 M110 116 V200 M145 116 V200" stroke="#fff" stroke-width="8" fill="none"/>',
  presentation: '<rect x="76" y="116" width="104" height="64" rx="6" fill="none" stroke="#fff" stroke-width="8"/><path d="M128 180 V204" stroke="#fff" stroke-width="8"/>',
  archive: '<path d="M120 96 H136 V112 H120 Z M120 128 H136 V144 H120 Z M120 160 H136 V176 H120 Z" fill="#fff"/><rect x="112" y="184" width="32" height="24" rx="4" fill="#fff"/>',
  code: '<path d="M108 124 L80 156 L108 188 M148 124 L176 156 L148 188" stroke="#fff" stroke-width="12" fill="none" stroke-linecap="round"/>',
  text: '<rect x="80" y="124" width="96" height="10" rx="3" fill="#fff"/><rect x="80" y="150" width="96" height="10" rx="3" fill="#fff"/><rect x="80" y="176" width="72" height="10" rx="3" fill="#fff"/>',
  file: '',
};

function svg(cat: IconCategory): string {
  const c = COLOURS[cat];
  const body =
    cat === 'folder'
      ? `<path d="M24 64 H104 L128 88 H232 V208 H24 Z" fill="${c}"/><path d="M24 104 H232 V208 H24 Z" fill="#f6c85f"/>`
      : `<path d="M56 24 H168 L208 64 V232 H56 Z" fill="${c}"/><path d="M168 24 V64 H208 Z" fill="#ffffff" fill-opacity="0.45"/>${GLYPHS[cat]}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">${body}</svg>`;
}

export interface Icon {
  png: Buffer;
  etag: string;
}

const SIZES = { 1: 32, 2: 128 } as const;
const made = new Map<string, Promise<Icon>>();

/** The PNG icon of a file extension; `type` 1 small (32 px), 2 large (128 px). Rendered once. */
export function iconFor(ext: string, type: 1 | 2): Promise<Icon> {
  const cat = categoryOf(ext);
  const key = `${cat}:${type}`;
  let icon = made.get(key);
  if (!icon) {
    icon = sharp(Buffer.from(svg(cat)))
      .resize(SIZES[type], SIZES[type])
      .png()
      .toBuffer()
      .then((png) => ({ png, etag: createHash('sha256').update(png).digest('hex') }));
    made.set(key, icon);
  }
  return icon;
}
