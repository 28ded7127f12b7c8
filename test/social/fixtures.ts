import sharp from 'sharp';
import { blobOf } from '../helpers/http.js';

/** A real JPEG of `w`×`h` (noise, so sizes differ by seed), optionally with an EXIF orientation. */
export async function jpeg(w: number, h: number, seed = 1, orientation?: number): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    raw[i] = (x >>> 16) & 0xff;
  }
  const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 80 });
  return (orientation ? img.withMetadata({ orientation }) : img).toBuffer();
}

export const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toBuffer();

/** The start of an ISO MP4 file (ftyp box): sniffed as video/mp4. */
export function mp4(size = 20_000): Buffer {
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');
  const mdat = Buffer.alloc(size);
  mdat.writeUInt32BE(size, 0);
  mdat.write('mdat', 4, 'latin1');
  return Buffer.concat([ftyp, mdat]);
}

/** A multipart form from fields and files, in the order given. */
export function form(parts: [string, string | { data: Buffer; name: string }][]): FormData {
  const f = new FormData();
  for (const [k, v] of parts) {
    if (typeof v === 'string') f.append(k, v);
    else f.append(k, blobOf(v.data), v.name);
  }
  return f;
}
