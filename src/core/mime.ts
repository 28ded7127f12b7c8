import { fileTypeFromBuffer } from 'file-type';
import { extensionOf } from './names.js';

/** Text types that a file's extension may pick once the bytes are known to be text. */
const TEXT_BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  json: 'application/json',
  css: 'text/css',
  js: 'text/javascript',
  mjs: 'text/javascript',
  html: 'text/html',
  htm: 'text/html',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  log: 'text/plain',
};

/** Types that a browser would execute or render actively: served as attachments. */
const ACTIVE = /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|application\/xml|text\/xml|text\/javascript|application\/javascript|application\/ecmascript|text\/ecmascript)$/;
export const isActiveType = (mime: string): boolean => ACTIVE.test(mime) || mime.endsWith('+xml');

function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return true;
  if (head.includes(0)) return false;
  // Reject if the head is not valid UTF-8 (allowing a sequence cut at the end).
  const dec = new TextDecoder('utf-8', { fatal: true });
  for (let cut = 0; cut < 4 && cut < head.length; cut++) {
    try {
      dec.decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      /* try a shorter prefix */
    }
  }
  return false;
}

function sniffMarkup(head: Buffer): string | undefined {
  const start = head.subarray(0, 512).toString('utf8').trimStart().toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) return 'text/html';
  if (start.startsWith('<svg') || (start.startsWith('<?xml') && start.includes('<svg'))) return 'image/svg+xml';
  if (start.startsWith('<?xml')) return 'application/xml';
  return undefined;
}

/**
 * The MIME type of content, decided from its first bytes. The client's claimed type is
 * never used; the name's extension only chooses among text types once the bytes are text.
 */
export async function sniffMime(head: Buffer, name: string): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) return detected.mime;
  if (!looksLikeText(head)) return 'application/octet-stream';
  const markup = sniffMarkup(head);
  if (markup) return markup;
  // HLS playlists (RFC 8216) begin with this tag.
  if (head.subarray(0, 7).toString('latin1') === '#EXTM3U') return 'application/x-mpegurl';
  return TEXT_BY_EXTENSION[extensionOf(name)] ?? 'text/plain';
}
