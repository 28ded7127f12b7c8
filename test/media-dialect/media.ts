import sharp from 'sharp';
import { blobOf, json } from '../helpers/http.js';

/** A media file as the dialect answers it. */
export interface MediaFile {
  created: number;
  id: string;
  maintype: string;
  name: string;
  etag: string;
  owner: string;
  size: number;
  subtype: string;
  updated: number;
}

/** `POST /file/upload` with one `files` part per file (as `new FormData().append('files', …)`). */
export async function mediaUpload(base: string, auth: Record<string, string>, files: { name: string; data: Buffer | string }[], opts: { method?: string; path?: string } = {}): Promise<Response> {
  const form = new FormData();
  for (const f of files) form.append('files', blobOf(f.data), f.name);
  return fetch(`${base}${opts.path ?? '/file/upload'}`, { method: opts.method ?? 'POST', headers: auth, body: form });
}

export async function uploaded(base: string, auth: Record<string, string>, files: { name: string; data: Buffer | string }[]): Promise<MediaFile[]> {
  const res = await mediaUpload(base, auth, files);
  if (res.status !== 200) throw new Error(`upload: ${res.status} ${await res.text()}`);
  return (await json<{ files: MediaFile[] }>(res)).files;
}

/** A noisy JPEG photo of width×height pixels, optionally with an EXIF orientation. */
export function photo(width: number, height: number, orientation?: number): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: 3, background: '#3366aa', noise: { type: 'gaussian', mean: 120, sigma: 40 } } }).jpeg({ quality: 80 });
  return (orientation ? img.withMetadata({ orientation }) : img).toBuffer();
}

export const png = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#aa3366' } }).png().toBuffer();

/** A real WAV file (8-bit mono PCM) whose samples are `samples`. */
export function wav(samples: Buffer): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + samples.length, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(8000, 28);
  h.writeUInt16LE(1, 32);
  h.writeUInt16LE(8, 34);
  h.write('data', 36);
  h.writeUInt32LE(samples.length, 40);
  return Buffer.concat([h, samples]);
}
