import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../src/blobs/local.js';
import { S3BlobStore } from '../src/blobs/s3.js';
import { KuraError } from '../src/core/errors.js';
import type { BlobStore, PieceRef, StagedBlob } from '../src/core/ports/index.js';
import { startS3, type TestS3 } from './helpers/s3-server.js';

const MiB = 1024 * 1024;
const BLOCK = 64 * 1024;

/** Block `i` of a seeded xorshift stream: any byte range can be rebuilt without the rest. */
function prngBlock(seed: number, i: number): Buffer {
  const words = new Uint32Array(BLOCK / 4);
  let x = (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0 || 1;
  for (let k = 0; k < words.length; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[k] = x >>> 0;
  }
  return Buffer.from(words.buffer);
}

/** Bytes [start, end) of the stream, one 64 KiB block in memory at a time. */
function* prngChunks(seed: number, start: number, end: number): Generator<Buffer> {
  for (let i = Math.floor(start / BLOCK); i * BLOCK < end; i++) {
    const from = Math.max(start - i * BLOCK, 0);
    const to = Math.min(end - i * BLOCK, BLOCK);
    yield prngBlock(seed, i).subarray(from, to);
  }
}
const prng = (seed: number, size: number) => Buffer.concat([...prngChunks(seed, 0, size)]);
const prngStream = (seed: number, size: number) => Readable.from(prngChunks(seed, 0, size), { objectMode: false });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Sends `good` bytes, then fails like a client whose connection drops. */
function failingSource(seed: number, good: number): Readable {
  const chunks = prngChunks(seed, 0, good);
  return new Readable({
    read() {
      const next = chunks.next();
      if (next.done) this.destroy(new Error('client went away'));
      else this.push(next.value);
    },
  });
}

async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function hashOf(s: Readable): Promise<{ hash: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of s) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { hash: h.digest('hex'), size };
}

async function listed(store: BlobStore): Promise<{ hash: string; size: number }[]> {
  const out = [];
  for await (const o of store.list()) out.push({ hash: o.hash, size: o.size });
  return out.sort((a, b) => a.hash.localeCompare(b.hash));
}

/** A fresh, initialised store plus a view of its staging area from outside. */
interface Harness {
  store: BlobStore;
  staging(): Promise<string[]>;
  dispose(): Promise<void>;
}
interface Backend {
  name: 'local' | 's3';
  start?(): Promise<void>;
  stop?(): Promise<void>;
  open(): Promise<Harness>;
}

let s3: TestS3 | undefined;
const backends: Backend[] = [
  {
    name: 'local',
    async open() {
      const root = await mkdtemp(join(tmpdir(), 'kura-blobs-'));
      const store = new LocalBlobStore({ root });
      await store.init();
      return { store, staging: () => readdir(join(root, 'staging')), dispose: () => rm(root, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3',
    start: async () => void (s3 = await startS3()),
    stop: async () => s3?.close(),
    async open() {
      // A bucket per test, created by init() as against a real endpoint; a prefix, since
      // deployments share buckets.
      const cfg = s3!.s3Config(`kura-${randomUUID().slice(0, 8)}`, 'kura/');
      const store = new S3BlobStore(cfg);
      await store.init();
      const client = new S3Client({ region: cfg.region, endpoint: cfg.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
      const staging = async () => {
        const page = await client.send(new ListObjectsV2Command({ Bucket: cfg.bucket, Prefix: 'kura/staging/' }));
        return (page.Contents ?? []).map((o) => o.Key ?? '');
      };
      return { store, staging, dispose: async () => (client.destroy(), store.close()) };
    },
  },
];

/** The contract every BlobStore meets; `open` yields a fresh store per test. */
function blobStoreContract(open: () => Promise<Harness>): void {
  let h: Harness;
  let store: BlobStore;
  beforeEach(async () => {
    h = await open();
    store = h.store;
  });
  afterEach(() => h.dispose());

  const stage = (data: Buffer | Readable, maxBytes = 1024 * MiB) => store.stage(Buffer.isBuffer(data) ? Readable.from([data]) : data, { maxBytes });
  const put = async (data: Buffer): Promise<StagedBlob> => {
    const staged = await stage(data);
    await store.commit(staged);
    await store.discard(staged);
    return staged;
  };
  const expectNothingKept = async () => {
    expect(await h.staging()).toEqual([]);
    expect(await listed(store)).toEqual([]);
  };

  it('round-trips content under its SHA-256', async () => {
    const data = prng(1, 300_000);
    const staged = await stage(data);
    expect(staged.hash).toBe(sha256(data));
    expect(await store.has(staged.hash)).toBe(false);
    await store.commit(staged);
    expect(await store.has(staged.hash)).toBe(true);
    await store.discard(staged);
    expect(await h.staging()).toEqual([]);
    const back = await readAll(await store.read(staged.hash));
    expect(sha256(back)).toBe(staged.hash);
  });

  it('reports size and the first 4100 bytes, however the source is chunked', async () => {
    const data = prng(2, 10_000);
    const chunks = Array.from({ length: 10 }, (_, i) => data.subarray(i * 1000, (i + 1) * 1000));
    const staged = await stage(Readable.from(chunks));
    expect(staged.size).toBe(10_000);
    expect(staged.head.equals(data.subarray(0, 4100))).toBe(true);
    const small = await stage(data.subarray(0, 100));
    expect(small.size).toBe(100);
    expect(small.head.equals(data.subarray(0, 100))).toBe(true);
  });

  it('stores an empty body', async () => {
    const staged = await put(Buffer.alloc(0));
    expect(staged).toMatchObject({ size: 0, hash: sha256(Buffer.alloc(0)) });
    expect(staged.head.length).toBe(0);
    expect((await readAll(await store.read(staged.hash))).length).toBe(0);
    expect(await listed(store)).toEqual([{ hash: staged.hash, size: 0 }]);
  });

  it('reads byte ranges: first byte, start, middle, last byte, whole', async () => {
    const data = prng(3, 100_000);
    const { hash } = await put(data);
    for (const [start, end] of [[0, 0], [0, 4099], [31_000, 64_999], [99_999, 99_999], [0, 99_999]]) {
      const got = await readAll(await store.read(hash, { start, end }));
      expect(got.equals(data.subarray(start, end + 1)), `bytes ${start}-${end}`).toBe(true);
    }
  });

  it('keeps identical content once; commit and discard are idempotent', async () => {
    const data = prng(4, 50_000);
    const a = await stage(data);
    const b = await stage(data);
    expect(b.key).not.toBe(a.key);
    await store.commit(a);
    await store.commit(b);
    await store.commit(a);
    await store.discard(a);
    await store.discard(a);
    await store.discard(b);
    await store.discard(b);
    expect(await listed(store)).toEqual([{ hash: a.hash, size: 50_000 }]);
    expect(await h.staging()).toEqual([]);
    expect(sha256(await readAll(await store.read(a.hash)))).toBe(a.hash);
  });

  it('answers not_found for content it does not hold', async () => {
    const unknown = sha256(Buffer.from('never stored'));
    const err = await store.read(unknown).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuraError);
    expect(err).toMatchObject({ code: 'not_found' });
    expect(await store.has(unknown)).toBe(false);
  });

  it('refuses anything but a lowercase hex SHA-256 with bad_request', async () => {
    const staged = await stage(Buffer.from('x'));
    for (const bad of ['../../etc/passwd', 'A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(62)}/.`, '']) {
      await expect(store.read(bad)).rejects.toMatchObject({ code: 'bad_request' });
      await expect(store.has(bad)).rejects.toMatchObject({ code: 'bad_request' });
      await expect(store.delete(bad)).rejects.toMatchObject({ code: 'bad_request' });
      await expect(store.commit({ ...staged, hash: bad })).rejects.toMatchObject({ code: 'bad_request' });
    }
    await expect(store.commit({ ...staged, key: '../objects' })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('stops a body over the limit while streaming and keeps nothing', async () => {
    const source = Readable.from(prngChunks(5, 0, 200_000), { objectMode: false });
    const err = await stage(source, 100_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuraError);
    expect(err).toMatchObject({ code: 'payload_too_large', details: { limit: 100_000 } });
    // The caller owns the source (to drain it and answer 413 on the same connection).
    expect(source.destroyed).toBe(false);
    source.destroy();
    await expectNothingKept();
    expect((await stage(prng(5, 100_000), 100_000)).size).toBe(100_000);
  });

  it('stops a large body over the limit after parts were sent, and keeps nothing', async () => {
    await expect(stage(prngStream(6, 20 * MiB), 12 * MiB)).rejects.toMatchObject({ code: 'payload_too_large' });
    await expectNothingKept();
  });

  it('fails with the source error when the client goes away, and keeps nothing', async () => {
    await expect(stage(failingSource(7, 200_000))).rejects.toThrow('client went away');
    await expect(stage(failingSource(7, 10 * MiB))).rejects.toThrow('client went away');
    await expectNothingKept();
  });

  it('deletes idempotently', async () => {
    const { hash } = await put(prng(8, 1234));
    await store.delete(hash);
    expect(await store.has(hash)).toBe(false);
    await expect(store.read(hash)).rejects.toMatchObject({ code: 'not_found' });
    await store.delete(hash);
    await store.delete(sha256(Buffer.from('never stored')));
  });

  it('lists what it holds with sizes', async () => {
    const blobs = await Promise.all([put(prng(9, 1)), put(prng(10, 70_000)), put(prng(11, 333))]);
    const expected = blobs.map((b) => ({ hash: b.hash, size: b.size })).sort((a, b) => a.hash.localeCompare(b.hash));
    expect(await listed(store)).toEqual(expected);
    // Staged but not committed content is not listed.
    await stage(prng(12, 10));
    expect(await listed(store)).toEqual(expected);
  });

  it('lists when each object was written', async () => {
    const before = Date.now() - 2000;
    const b = await put(prng(31, 100));
    const all = [];
    for await (const o of store.list()) all.push(o);
    expect(all).toHaveLength(1);
    expect(all[0].hash).toBe(b.hash);
    expect(all[0].modifiedAt).toBeGreaterThan(before);
    expect(all[0].modifiedAt).toBeLessThan(Date.now() + 2000);
  });

  it('keeps a live upload\'s staging data when init() runs again', async () => {
    const staged = await stage(prng(13, 5000));
    await store.init();
    await store.commit(staged);
    expect(await store.has(staged.hash)).toBe(true);
  });

  it('streams a body over 20 MiB (S3 multipart) and reads it back, ranges across parts', async () => {
    const size = 20 * MiB + 54_321;
    const expected = await hashOf(prngStream(14, size));
    const staged = await stage(prngStream(14, size));
    expect({ hash: staged.hash, size: staged.size }).toEqual(expected);
    expect(staged.head.equals(prng(14, 4100))).toBe(true);
    await store.commit(staged);
    await store.discard(staged);
    expect(await hashOf(await store.read(staged.hash))).toEqual(expected);
    for (const [start, end] of [[8 * MiB - 10, 8 * MiB + 9], [size - 1, size - 1]]) {
      const want = Buffer.concat([...prngChunks(14, start, end + 1)]);
      expect((await readAll(await store.read(staged.hash, { start, end }))).equals(want)).toBe(true);
    }
    expect(await listed(store)).toEqual([{ hash: staged.hash, size }]);
  });

  describe('pieces of sliced uploads', () => {
    const session = 'ab'.repeat(16);
    const piece = async (start: number, end: number, seed = 15, known: { start: number; end: number }[] = []): Promise<PieceRef> => ({
      ...(await store.putPiece(session, start, Readable.from(prngChunks(seed, start, end), { objectMode: false }), { maxBytes: end - start, known })),
      start,
    });

    it('stores pieces out of order (one over 8 MiB) and assembles them, overlaps included', async () => {
      const size = 9 * MiB + 777;
      const pieces = [await piece(5 * MiB, size), await piece(0, 3 * MiB), await piece(3 * MiB - 100, 5 * MiB + 50)];
      expect(pieces.map((p) => p.size)).toEqual([size - 5 * MiB, 3 * MiB, 2 * MiB + 150]);
      expect(new Set(pieces.map((p) => p.epoch))).toEqual(new Set([store.pieceEpoch]));
      const want = prng(15, 40);
      expect((await readAll(await store.readPiece(session, pieces[1], { start: 0, end: 39 }))).equals(want)).toBe(true);
      const staged = await store.assemble(session, pieces, size);
      expect({ hash: staged.hash, size: staged.size }).toEqual(await hashOf(prngStream(15, size)));
      expect(staged.head.equals(prng(15, 4100))).toBe(true);
      await store.commit(staged);
      await store.discard(staged);
      await store.deletePieces(session);
      await store.deletePieces(session);
      expect(await hashOf(await store.read(staged.hash))).toEqual(await hashOf(prngStream(15, size)));
    });

    it('assembles in-order pieces to the right digest after a failed piece, a dropped one, and two writers racing for one range', async () => {
      const size = 3 * MiB + 5;
      const expected = await hashOf(prngStream(15, size));
      // In order, but the second piece breaks off half-way and is sent again whole.
      const first = await piece(0, MiB);
      const broken = failingSource(99, MiB / 2);
      await expect(store.putPiece(session, MiB, broken, { maxBytes: 2 * MiB, known: [] })).rejects.toThrow();
      const second = await piece(MiB, 2 * MiB);
      // A piece the caller did not keep (its record failed): dropped, then sent again with other bytes.
      const wrong = await piece(2 * MiB, size, 7);
      await store.deletePiece(session, wrong);
      const third = await piece(2 * MiB, size);
      let staged = await store.assemble(session, [first, second, third], size);
      expect({ hash: staged.hash, size: staged.size }).toEqual(expected);
      expect(staged.head.equals(prng(15, 4100))).toBe(true);
      await store.discard(staged);
      await store.deletePieces(session);
      // Two writers of the same range at once, different bytes: whatever the file holds, its digest is that of the file.
      const head = await piece(0, MiB);
      const racing = await Promise.all([piece(MiB, size), piece(MiB, size, 8)]);
      staged = await store.assemble(session, [head, ...racing], size);
      await store.commit(staged);
      expect(await hashOf(await store.read(staged.hash))).toEqual({ hash: staged.hash, size });
      await store.discard(staged);
      await store.deletePieces(session);
    });

    it('lists sessions that hold pieces, until their pieces are removed', async () => {
      const sessions = async () => {
        const out = [];
        for await (const x of store.pieceSessions()) out.push(x);
        return out;
      };
      const other = 'cd'.repeat(16);
      await piece(0, 100);
      await piece(100, 200);
      await store.putPiece(other, 0, prngStream(17, 10), { maxBytes: 10, known: [] });
      const listedSessions = await sessions();
      expect(listedSessions.map((x) => x.session).sort()).toEqual([session, other]);
      for (const x of listedSessions) expect(Math.abs(x.modifiedAt - Date.now())).toBeLessThan(60_000);
      await store.deletePieces(session);
      await store.deletePieces(other);
      expect(await sessions()).toEqual([]);
    });

    it('stops a piece past its limit', async () => {
      await expect(store.putPiece(session, 0, prngStream(16, 2000), { maxBytes: 1999, known: [] })).rejects.toMatchObject({ code: 'payload_too_large' });
    });

    it('refuses to assemble what was never received', async () => {
      const a = await piece(0, 1000);
      await expect(store.assemble(session, [a], 2000)).rejects.toMatchObject({ code: 'conflict' });
      await store.deletePieces(session);
    });

    it('refuses session and piece names that are not its own shapes', async () => {
      await expect(store.putPiece('../x', 0, prngStream(1, 1), { maxBytes: 1, known: [] })).rejects.toMatchObject({ code: 'bad_request' });
      await expect(store.deletePieces('../../objects')).rejects.toMatchObject({ code: 'bad_request' });
    });
  });
}

describe.each(backends)('$name blob store', (backend) => {
  if (backend.start) beforeAll(backend.start);
  if (backend.stop) afterAll(backend.stop);
  blobStoreContract(() => backend.open());
});

describe('local blob store specifics', () => {
  let root: string;
  beforeEach(async () => void (root = await mkdtemp(join(tmpdir(), 'kura-blobs-'))));
  afterEach(() => rm(root, { recursive: true, force: true }));
  const uuid = '0123abcd-0000-4000-8000-0123456789ab';

  it('init() removes staging files of dead processes and keeps those of live ones', async () => {
    await new LocalBlobStore({ root }).init();
    const staging = join(root, 'staging');
    await writeFile(join(staging, `999999-${uuid}`), 'left by a crashed process');
    await writeFile(join(staging, `${process.pid}-${uuid}`), 'an upload in progress here');
    await writeFile(join(staging, `${process.ppid}-${uuid}`), 'an upload of a live process');
    await writeFile(join(staging, 'notes.txt'), 'not a staging file');
    await new LocalBlobStore({ root }).init();
    expect((await readdir(staging)).sort()).toEqual([`${process.pid}-${uuid}`, `${process.ppid}-${uuid}`, 'notes.txt'].sort());
  });

  it('files blobs under objects/ab/cd/<hash> and lists only well-placed hashes', async () => {
    const store = new LocalBlobStore({ root });
    await store.init();
    const staged = await store.stage(Readable.from([Buffer.from('hello')]), { maxBytes: 100 });
    await store.commit(staged);
    const { hash } = staged;
    expect(store.path(hash)).toBe(join(root, 'objects', hash.slice(0, 2), hash.slice(2, 4), hash));
    // Readers that open blobs themselves (the image engine) get the same file, and only for a hash.
    expect(store.localFile(hash)).toBe(store.path(hash));
    expect(await readFile(store.localFile(hash), 'utf8')).toBe('hello');
    expect(() => store.localFile('../../etc/passwd')).toThrow(expect.objectContaining({ code: 'bad_request' }));
    await mkdir(join(root, 'objects', 'zz', 'zz'), { recursive: true });
    await writeFile(join(root, 'objects', 'zz', 'zz', 'f'.repeat(64)), 'misfiled');
    await writeFile(join(root, 'objects', hash.slice(0, 2), hash.slice(2, 4), 'junk'), 'junk');
    expect(await listed(store)).toEqual([{ hash, size: 5 }]);
  });

  it('takes a session folder out of uploads/ at once and removes it in the background; init() clears leftovers', async () => {
    const store = new LocalBlobStore({ root });
    await store.init();
    const session = 'ab'.repeat(16);
    await store.putPiece(session, 0, prngStream(7, 3 * MiB + 5), { maxBytes: 4 * MiB, known: [] });
    expect(await readdir(join(root, 'uploads'))).toEqual([session]);
    await store.deletePieces(session);
    expect(await readdir(join(root, 'uploads'))).toEqual([]);
    // Deleting again, or a session that never was, is harmless.
    await store.deletePieces(session);
    await store.deletePieces('cd'.repeat(16));
    // close() waits for removals under way.
    await store.close();
    expect(await readdir(join(root, 'discarded'))).toEqual([]);
    // A folder left by a process that stopped mid-removal is gone after the next init().
    await mkdir(join(root, 'discarded', `${session}-left`), { recursive: true });
    await writeFile(join(root, 'discarded', `${session}-left`, 'data'), 'stale');
    await new LocalBlobStore({ root }).init();
    expect(await readdir(join(root, 'discarded'))).toEqual([]);
  });
});
