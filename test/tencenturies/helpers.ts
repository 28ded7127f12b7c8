import sharp from 'sharp';
import { expect } from 'vitest';
import { json } from '../helpers/http.js';
import type { TestKura, TestUser } from '../helpers/kura.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Any = any;

export interface Meta<T = Any> {
  meta: { code: number; text?: string };
  data: T;
}

/** The 10Centuries header: the bare token. */
export const tc = (u: TestUser) => ({ authorization: u.token });

/** Reads the envelope and checks that HTTP status and meta.code agree with `code`. */
export async function env<T = Any>(res: Response, code = 200): Promise<Meta<T>> {
  const e = await json<Meta<T>>(res);
  expect(res.status, JSON.stringify(e.meta)).toBe(code);
  expect(e.meta.code).toBe(code);
  if (code !== 200) expect(e.data).toBe(false);
  return e;
}

export interface Part {
  name: string;
  data: Buffer | string;
  type?: string;
}

/** POST /files/upload with the files as parts named `file`. */
export function uploadTo(k: TestKura, u: TestUser | null, files: Part[], headers: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([new Uint8Array(typeof f.data === 'string' ? Buffer.from(f.data) : f.data)], { type: f.type ?? 'application/octet-stream' }), f.name);
  return fetch(`${k.url}/files/upload`, { method: 'POST', headers: { ...(u ? tc(u) : {}), ...headers }, body: form });
}

/** The CDN URL of a file object on this server (the test's PUBLIC_URL is not where it listens). */
export const local = (k: TestKura, url: string) => `${k.url}${new URL(url).pathname}`;
export const originalOf = (url: string) => url.replace(/(\.[a-z0-9]+)?$/, '_original$1');

/** An MP3 (MPEG-1 layer III frame header, then `n` bytes). */
export const mp3 = (n: number, fill = 0x55) => Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(n - 4, fill)]);

/** An MP4 of brand `brand` (an ftyp box, then filler). */
export function mp4(brand = 'isom', n = 4096): Buffer {
  const b = Buffer.alloc(n);
  b.writeUInt32BE(24, 0);
  b.write('ftyp', 4);
  b.write(brand, 8);
  b.write('isom', 16);
  return b;
}

/** A noisy JPEG of width × height, EXIF `orientation` when given. */
export async function jpeg(width: number, height: number, orientation?: number, seed = 1): Promise<Buffer> {
  let img = sharp({ create: { width, height, channels: 3, background: { r: 20 * seed, g: 120, b: 200 }, noise: { type: 'gaussian', mean: 120, sigma: 30 } } }).jpeg({ quality: 85 });
  if (orientation) img = img.withMetadata({ orientation });
  return img.toBuffer();
}

export const png = (width: number, height: number) => sharp({ create: { width, height, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } }).png().toBuffer();
