import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../src/blobs/local.js';
import { AlignedSlabs, DIRECT_ALIGN, DirectSink, SLAB_BYTES } from '../src/blobs/direct-sink.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kura-direct-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `data` in chunks of `size` bytes (the last one shorter). */
function chunked(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) parts.push(data.subarray(at, at + size));
  return Readable.from(parts, { objectMode: false });
}

async function handles(path: string): Promise<{ buffered: FileHandle; direct: FileHandle; close(): Promise<void> }> {
  const buffered = await open(path, constants.O_RDWR | constants.O_CREAT);
  const direct = await open(path, constants.O_WRONLY | constants.O_DIRECT);
  return {
    buffered,
    direct,
    close: async () => {
      await direct.close();
      await buffered.close();
    },
  };
}

describe('direct writes (O_DIRECT through aligned slabs)', () => {
  const slabs = new AlignedSlabs(8);

  it('gives page-aligned slabs, at most the limit, and takes them back', () => {
    const small = new AlignedSlabs(3);
    const pair = small.takePair();
    expect(pair).toBeDefined();
    expect(pair![0].length).toBe(SLAB_BYTES);
    // A third slab exists but a pair does not: the one taken is given back.
    expect(small.takePair()).toBeUndefined();
    small.give(pair!);
    expect(small.takePair()).toBeDefined();
  });

  it('keeps only a few idle slabs between uploads', () => {
    const pool = new AlignedSlabs(6, 2);
    const pairs = [pool.takePair()!, pool.takePair()!, pool.takePair()!];
    expect(pool.takePair()).toBeUndefined();
    for (const p of pairs) pool.give(p);
    // Two kept, four dropped: three pairs can be made again, the first from the kept ones.
    const again = [pool.takePair(), pool.takePair(), pool.takePair()];
    expect(again.every(Boolean)).toBe(true);
    expect(again[0]![0]).toBe(pairs[0][1]);
    expect(pool.takePair()).toBeUndefined();
  });

  // Starts on and off page boundaries, lengths around the page and slab sizes, chunks from one byte to 1 MiB.
  const cases: [number, number, number][] = [
    [0, 1, 1],
    [0, DIRECT_ALIGN, 65536],
    [4095, 2, 7],
    [1000, DIRECT_ALIGN * 3 + 17, 1000],
    [DIRECT_ALIGN, SLAB_BYTES, 65536],
    [12345, SLAB_BYTES + 1, 65536],
    [0, 2 * SLAB_BYTES + 12345, 1024 * 1024],
    [SLAB_BYTES - 5, SLAB_BYTES + 10, 65536 + 3],
  ];
  it.each(cases)('writes [%i, +%i) in chunks of %i exactly, leaving the bytes around it alone', async (start, length, chunk) => {
    const path = join(dir, `case-${start}-${length}`);
    const before = randomBytes(start + length + 3 * DIRECT_ALIGN);
    await writeFile(path, before);
    const data = randomBytes(length);
    const h = await handles(path);
    const pair = slabs.takePair()!;
    let refused = false;
    const sink = new DirectSink(h.buffered, h.direct, start, pair, () => (refused = true));
    try {
      await pipeline(chunked(data, chunk), sink);
    } finally {
      await h.close();
      slabs.give(pair);
    }
    const after = await readFile(path);
    expect(after.length).toBe(before.length);
    expect(after.subarray(0, start).equals(before.subarray(0, start))).toBe(true);
    expect(after.subarray(start, start + length).equals(data)).toBe(true);
    expect(after.subarray(start + length).equals(before.subarray(start + length))).toBe(true);
    expect(refused).toBe(false);
    // Only the partial pages at either end went through the page cache.
    const end = start + length;
    const alignedFrom = Math.ceil(start / DIRECT_ALIGN) * DIRECT_ALIGN;
    const alignedTo = Math.floor(end / DIRECT_ALIGN) * DIRECT_ALIGN;
    const direct = alignedTo > alignedFrom ? alignedTo - alignedFrom : 0;
    expect(sink.bufferedBytes).toBe(length - direct);
  });

  it('writes past the end of a file, growing it', async () => {
    const path = join(dir, 'grow');
    const data = randomBytes(SLAB_BYTES + 777);
    const h = await handles(path);
    const pair = slabs.takePair()!;
    try {
      await pipeline(chunked(data, 65536), new DirectSink(h.buffered, h.direct, 100, pair, () => undefined));
    } finally {
      await h.close();
      slabs.give(pair);
    }
    const after = await readFile(path);
    expect(after.length).toBe(100 + data.length);
    expect(after.subarray(100).equals(data)).toBe(true);
  });

  it('falls back to the page cache when the filesystem refuses a direct write, and says so once', async () => {
    const path = join(dir, 'refused');
    const data = randomBytes(3 * DIRECT_ALIGN * 100 + 5);
    const h = await handles(path);
    // Memory off the page boundary: the kernel answers EINVAL, as a filesystem without direct I/O would.
    const skewed: [Buffer, Buffer] = [Buffer.alloc(SLAB_BYTES + 64).subarray(1, SLAB_BYTES + 1), Buffer.alloc(SLAB_BYTES + 64).subarray(1, SLAB_BYTES + 1)];
    let refusals = 0;
    const sink = new DirectSink(h.buffered, h.direct, 0, skewed, () => refusals++);
    try {
      await pipeline(chunked(data, 65536), sink);
    } finally {
      await h.close();
    }
    expect((await readFile(path)).equals(data)).toBe(true);
    expect(refusals).toBe(1);
    expect(sink.bufferedBytes).toBe(data.length);
  });

  it('fails with the source, and has no write in flight once it has closed', async () => {
    const path = join(dir, 'broken');
    const h = await handles(path);
    const pair = slabs.takePair()!;
    const source = new Readable({ read() {} });
    const sink = new DirectSink(h.buffered, h.direct, 0, pair, () => undefined);
    const done = pipeline(source, sink);
    source.push(randomBytes(SLAB_BYTES + DIRECT_ALIGN));
    await new Promise((r) => setTimeout(r, 20));
    source.destroy(new Error('client gone'));
    await expect(done).rejects.toThrow('client gone');
    if (!sink.closed) await new Promise((r) => sink.once('close', r));
    // Closing the handles now must not race a write (Node would reject a close under way).
    await h.close();
    slabs.give(pair);
    // The full first slab was handed off before the failure; what it wrote is all there is.
    expect((await readFile(path)).length).toBeLessThanOrEqual(SLAB_BYTES);
  });
});

describe('local blob store pieces, direct or not', () => {
  it('stores pieces on tmpfs (no direct I/O before Linux 6.6) as on disk', async () => {
    const shm = '/dev/shm';
    let root: string;
    try {
      root = await mkdtemp(join(shm, 'kura-shm-'));
    } catch {
      return; // no tmpfs on this machine: the ext4 cases above cover the direct path
    }
    try {
      const store = new LocalBlobStore({ root });
      await store.init();
      const session = randomBytes(16).toString('hex');
      const data = randomBytes(SLAB_BYTES + 4097);
      const a = await store.putPiece(session, 0, chunked(data.subarray(0, 5000), 999), { maxBytes: 10 * SLAB_BYTES, known: [] });
      const b = await store.putPiece(session, 5000, chunked(data.subarray(5000), 65536), { maxBytes: 10 * SLAB_BYTES, known: [] });
      expect(a.size + b.size).toBe(data.length);
      const staged = await store.assemble(session, [], data.length);
      expect(staged.size).toBe(data.length);
      const { createHash } = await import('node:crypto');
      expect(staged.hash).toBe(createHash('sha256').update(data).digest('hex'));
      await store.discard(staged);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
