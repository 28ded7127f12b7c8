import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { zipStream, type ZipEntry } from '../src/core/shares/zip.js';
import { bytes, sha256 } from './helpers/http.js';
import { unzip } from './helpers/zip.js';

const file = (path: string, size: number, mime = 'application/octet-stream'): ZipEntry => ({ kind: 'file', path, modifiedAt: Date.UTC(2024, 0, 2), hash: path, size, mime });
const collect = async (s: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

describe('zipStream', () => {
  it('opens each content only when its turn comes, and zips it byte for byte', async () => {
    const data = new Map([['d/a.bin', bytes(100_000, 1)], ['d/b.txt', Buffer.from('text '.repeat(1000))]]);
    const opened: string[] = [];
    const out = zipStream([{ kind: 'folder', path: 'd', modifiedAt: 0 }, file('d/a.bin', 100_000), file('d/b.txt', 5000, 'text/plain')], async (h) => {
      opened.push(h);
      return Readable.from([data.get(h)!]);
    });
    // Nobody reads yet: the first content is opened, the next waits for it to be consumed.
    await new Promise((r) => setTimeout(r, 20));
    expect(opened).toEqual(['d/a.bin']);
    const entries = await unzip(await collect(out));
    expect([...entries.keys()]).toEqual(['d/', 'd/a.bin', 'd/b.txt']);
    expect(opened).toEqual(['d/a.bin', 'd/b.txt']);
    expect(sha256(entries.get('d/a.bin')!)).toBe(sha256(data.get('d/a.bin')!));
    expect(entries.get('d/b.txt')!.equals(data.get('d/b.txt')!)).toBe(true);
  });

  it('fails the output when a content stream fails half-way', async () => {
    const broken = new Readable({ read() {} });
    const out = zipStream([file('x.bin', 10_000)], async () => broken);
    const done = collect(out);
    setTimeout(() => {
      broken.push(Buffer.alloc(100));
      broken.destroy(new Error('disk gone'));
    }, 10);
    await expect(done).rejects.toThrow('disk gone');
  });

  it('closes the content being read when the client goes away', async () => {
    const source = new Readable({ read() { this.push(Buffer.alloc(16_384)); } });
    const out = zipStream([file('big.bin', 1e9)], async () => source);
    out.once('data', () => out.destroy());
    await new Promise((r) => source.once('close', r));
    expect(source.destroyed).toBe(true);
  });
});
