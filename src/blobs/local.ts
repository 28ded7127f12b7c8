import { randomUUID } from 'node:crypto';
import { constants, createReadStream, open as openCallback, readFileSync } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { type BlobStore, type ByteRange, KuraError, type PieceOptions, type PieceRef, type StagedBlob, type StageOptions, type StoredBlob, type StoredPiece, type StoredSession } from '../core/index.js';
import { makeDirs } from '../dirs.js';
import { feed, Ingest } from './ingest.js';
import { AlignedSlabs, DirectSink } from './direct-sink.js';
import { digestInPlace, InPlaceSink, RunningDigests } from './local-pieces.js';
import { PieceMeter } from './pieces.js';
import { blobKey, checkHash, checkRange, isHash, pieceKey } from './locator.js';

/** Whether uploads are written with O_DIRECT, and why. */
export interface DirectWrites {
  readonly on: boolean;
  readonly why: string;
}

/** Large buffers matter: 64 KiB reads cap a single download far below disk speed. */
const IO_BUFFER = 1024 * 1024;
/** A session file is flushed to disk ahead of assembly each time this much was written to it. */
const FLUSH_AHEAD_BYTES = 64 * 1024 * 1024;
const STAGING_KEY = /^(\d+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FAN_OUT = /^[0-9a-f]{2}$/;
const SESSION = /^[0-9a-f]{32}$/;
const openFd = promisify(openCallback);
/** Slabs for direct writes: 16 writers at once (32 MiB); more write through the page cache. */
const MAX_SLABS = 32;

/**
 * A read buffer no larger than what is read: a 1 MiB buffer for each 100 KB download made
 * the garbage collector most of the work under load.
 */
const bufferFor = (range: ByteRange | undefined): number => (range ? Math.max(1, Math.min(IO_BUFFER, range.end - range.start + 1)) : IO_BUFFER);

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The kernel's id of this boot; a fresh random id where /proc is not there. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return randomUUID();
  }
}

/** Only ESRCH proves a process is gone; EPERM means it runs under another user. */
function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return code(e) === 'ESRCH';
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return [];
    throw e;
  }
}

/**
 * Blobs on the local disk: `root/objects/ab/cd/<sha256>`, staged in `root/staging/<pid>-<uuid>`
 * on the same filesystem. Staging files are fsynced before they are linked into place and
 * the directories after, so a crash leaves either no object or a whole one. Sliced uploads
 * write in place into `root/uploads/<session>/data` until the core assembles or expires them.
 *
 * commit() links rather than renames: the core keeps the staging file until its metadata
 * transaction commits (and discards it afterwards), and link() fails with EEXIST instead of
 * silently replacing an object another upload of the same content already committed.
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  private readonly objects: string;
  private readonly staging: string;
  private readonly uploads: string;
  /** Session folders renamed out of `uploads` and being removed (see deletePieces). */
  private readonly discarded: string;
  private readonly removals = new Set<Promise<void>>();

  /**
   * `directIo: 'off'` (KURA_DIRECT_IO=off) writes every upload through the page cache;
   * `auto` (the default) writes with O_DIRECT where the platform and filesystem take it.
   */
  constructor(opts: { root: string; directIo?: 'auto' | 'off' }) {
    this.objects = join(opts.root, 'objects');
    this.staging = join(opts.root, 'staging');
    this.uploads = join(opts.root, 'uploads');
    this.discarded = join(opts.root, 'discarded');
    this.direct =
      opts.directIo === 'off'
        ? { on: false, why: 'KURA_DIRECT_IO=off: uploads are written through the page cache' }
        : typeof constants.O_DIRECT === 'number'
          ? { on: true, why: `uploads are written with O_DIRECT below ${opts.root} (decisions/0021)` }
          : { on: false, why: `this platform (${process.platform}) has no O_DIRECT: uploads are written through the page cache` };
  }

  /** Whether uploads are written with O_DIRECT now, and why (the start-up log line; decision 0021). */
  directWrites(): DirectWrites {
    return this.direct;
  }

  /** The file holding a blob (for fsck and tools); bad_request for anything but a hash. */
  path(hash: string): string {
    return join(this.objects, blobKey(hash));
  }

  localFile(hash: string): string {
    return this.path(checkHash(hash));
  }

  private stagingPath(key: string): string {
    if (!STAGING_KEY.test(key)) throw new KuraError('bad_request', 'not a staging key of the local blob store');
    return join(this.staging, key);
  }

  async init(): Promise<void> {
    // Each level made once (a root such as /proc/x fails at once instead of spinning).
    await makeDirs(this.objects);
    await makeDirs(this.staging);
    await makeDirs(this.uploads);
    // Whatever is here was on its way out when a process stopped.
    await rm(this.discarded, { recursive: true, force: true });
    await makeDirs(this.discarded);
    await this.probeDirectWrites();
    // A file of "our" pid that predates this process is from an earlier process that had the
    // same pid — usual in containers, where the server is always pid 1. The margin covers
    // coarse filesystem timestamps.
    const startedAt = Date.now() - process.uptime() * 1000 - 2000;
    for (const name of await list(this.staging)) {
      const pid = Number(STAGING_KEY.exec(name)?.[1] ?? 0);
      if (pid <= 0) continue;
      const path = join(this.staging, name);
      if (pid === process.pid) {
        const s = await stat(path).catch(() => undefined);
        if (!s || s.mtimeMs >= startedAt) continue;
      } else if (!processGone(pid)) {
        continue;
      }
      await unlink(path).catch((e: unknown) => {
        if (code(e) !== 'ENOENT') throw e;
      });
    }
  }

  async stage(source: Readable, opts: StageOptions): Promise<StagedBlob> {
    const key = `${process.pid}-${randomUUID()}`;
    return { ...(await this.write(join(this.staging, key), source, opts, true)), key };
  }

  /**
   * Streams `source` into a new file at `path`, hashing, with direct writes where they work
   * (direct-sink.ts), else through the page cache; removes the file on any failure.
   */
  private async write(path: string, source: Readable, opts: StageOptions, durable: boolean) {
    const ingest = new Ingest(opts.maxBytes);
    // 'wx': a staging name is never reused, and an existing file would be someone else's.
    const fh = await open(path, 'wx');
    const direct = await this.directSink(path, fh, 0);
    try {
      try {
        await feed(source, ingest, direct?.sink ?? new InPlaceSink(fh, 0, []));
      } finally {
        await direct?.release();
      }
      if (durable) await fh.sync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw e;
    }
    await fh.close();
    return ingest.result();
  }

  readonly piecesInPlace = true;
  /** Digests of sessions whose pieces arrived in order here (a cache: see RunningDigest). */
  private readonly digests = new RunningDigests();
  /** Sessions whose file is being flushed ahead of assembly (see flushAhead). */
  private readonly flushing = new Set<string>();
  /** Bytes written to each session file since its last flush ahead. */
  private readonly unflushed = new Map<string, number>();
  /** Pieces are not fsynced: those written before the machine's last boot may be lost. */
  readonly pieceEpoch = bootId();

  private sessionFile(session: string): string {
    return join(this.uploads, pieceKey(session), 'data');
  }

  async putPiece(session: string, start: number, source: Readable, opts: PieceOptions): Promise<StoredPiece> {
    const path = this.sessionFile(session);
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT).catch(async (e: unknown) => {
      if (code(e) !== 'ENOENT') throw e;
      await mkdir(dirname(path), { recursive: true });
      return open(path, constants.O_RDWR | constants.O_CREAT);
    });
    const { digest, end } = this.digests.begin(session, start);
    const meter = new PieceMeter(opts.maxBytes, digest);
    // Bytes already received past `start` are compared, not written: only the in-place sink does that.
    const direct = opts.known.some((s) => s.end > start) ? undefined : await this.directSink(path, fh, start);
    let kept = false;
    try {
      await feed(source, meter, direct?.sink ?? new InPlaceSink(fh, start, opts.known));
      if (digest) digest.offset += meter.size;
      kept = true;
    } finally {
      end(kept);
      await direct?.release();
      // What went through the page cache is flushed ahead; direct bytes are on the device already.
      if (kept && this.flushDue(session, direct ? direct.sink.bufferedBytes : meter.size)) this.flushAhead(session, fh);
      else await fh.close();
    }
    return { key: randomUUID(), size: meter.size, epoch: this.pieceEpoch };
  }

  /** Whether direct writes are still tried, and why (a filesystem that refuses them turns them off). */
  private direct: DirectWrites;
  private readonly slabs = new AlignedSlabs(MAX_SLABS);

  /**
   * A sink writing into the file at `path` with O_DIRECT (direct-sink.ts), when direct writes
   * work here and two slabs are free; its release closes the direct handle and frees the slabs.
   */
  private async directSink(path: string, fh: FileHandle, start: number): Promise<{ sink: DirectSink; release: () => Promise<void> } | undefined> {
    if (!this.direct.on) return undefined;
    const slabs = this.slabs.takePair();
    if (!slabs) return undefined;
    let dh: FileHandle;
    try {
      dh = await open(path, constants.O_WRONLY | constants.O_DIRECT);
    } catch (e) {
      this.slabs.give(slabs);
      // EINVAL: this filesystem has no direct I/O (tmpfs before Linux 6.6, some FUSE ones).
      // Anything else is the page cache path's to meet and report.
      if (code(e) === 'EINVAL') this.refuseDirect();
      return undefined;
    }
    const sink = new DirectSink(fh, dh, start, slabs, () => this.refuseDirect());
    return {
      sink,
      release: async () => {
        // No direct write may still read the slabs or use the handle.
        if (!sink.closed) await new Promise((resolve) => sink.destroy().once('close', resolve));
        await dh.close();
        this.slabs.give(slabs);
      },
    };
  }

  private refuseDirect(): void {
    this.direct = { on: false, why: 'the filesystem refused a direct write (EINVAL): uploads are written through the page cache' };
  }

  /**
   * Opens a file with O_DIRECT once at start, in the folder init() empties (same filesystem
   * as the uploads), so the start-up log line tells the truth before the first upload.
   */
  private async probeDirectWrites(): Promise<void> {
    if (!this.direct.on) return;
    const probe = join(this.discarded, `direct-probe-${process.pid}`);
    try {
      await (await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT)).close();
    } catch (e) {
      // EINVAL: this filesystem has no direct I/O (tmpfs before Linux 6.6, some FUSE ones).
      if (code(e) === 'EINVAL') this.direct = { on: false, why: `the filesystem below ${this.discarded} refuses O_DIRECT: uploads are written through the page cache` };
    }
    await rm(probe, { force: true });
  }

  /** Whether `written` more bytes make a session file's flush ahead due (see flushAhead). */
  private flushDue(session: string, written: number): boolean {
    const pending = (this.unflushed.get(session) ?? 0) + written;
    if (pending < FLUSH_AHEAD_BYTES || this.flushing.has(session)) {
      this.unflushed.set(session, pending);
      if (this.unflushed.size > 1024) this.unflushed.delete(this.unflushed.keys().next().value!);
      return false;
    }
    this.unflushed.delete(session);
    return true;
  }

  /**
   * Starts writing a session file's new bytes to disk while the next piece arrives, then
   * closes `fh` (not awaited: the answer to this piece does not wait for it). Otherwise the
   * kernel keeps a large upload in the page cache, and assembly's fsync writes all of it at
   * the end.
   */
  private flushAhead(session: string, fh: FileHandle): void {
    this.flushing.add(session);
    void fh
      .datasync()
      .catch(() => undefined)
      .finally(() => fh.close().catch(() => undefined))
      .finally(() => this.flushing.delete(session));
  }

  async readPiece(session: string, piece: PieceRef, range?: ByteRange): Promise<Readable> {
    checkRange(range);
    const path = this.sessionFile(session);
    const fd = await openFd(path, 'r').catch((e: unknown) => {
      throw code(e) === 'ENOENT' ? new KuraError('not_found', 'upload piece not found') : e;
    });
    const start = piece.start + (range?.start ?? 0);
    const end = piece.start + (range ? range.end : piece.size - 1);
    return createReadStream(path, { fd, autoClose: true, highWaterMark: bufferFor({ start, end }), start, end });
  }

  /** In place, an unrecorded piece's bytes are simply not counted as received (nor digested). */
  async deletePiece(session: string): Promise<void> {
    this.digests.drop(session);
  }

  /**
   * The session's folder leaves `uploads` at once (a rename) and is removed in the
   * background: freeing a 1 GiB file's blocks took 150-200 ms here (more on a filesystem
   * mounted with `discard`), which the answer to an upload's last slice need not wait for.
   */
  async deletePieces(session: string): Promise<void> {
    this.digests.drop(session);
    this.unflushed.delete(session);
    const dir = join(this.uploads, pieceKey(session));
    const away = join(this.discarded, `${pieceKey(session)}-${randomUUID()}`);
    try {
      await rename(dir, away);
    } catch {
      // No such session (nothing to do), or no discarded folder (removed under a running
      // store): remove in place.
      await rm(dir, { recursive: true, force: true });
      return;
    }
    const removal = rm(away, { recursive: true, force: true }).catch(() => undefined);
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }

  async *pieceSessions(): AsyncIterable<StoredSession> {
    for (const session of (await list(this.uploads)).sort()) {
      if (!SESSION.test(session)) continue;
      const dir = join(this.uploads, session);
      const s = (await stat(join(dir, 'data')).catch(() => undefined)) ?? (await stat(dir).catch(() => undefined));
      if (s) yield { session, modifiedAt: s.mtimeMs };
    }
  }

  /**
   * The session file is the file: its digest is the one computed while its pieces were
   * written in order on this node, else one read pass hashes it while it is fsynced; then it
   * is hard-linked into staging (no copy). A crash before commit loses only the link.
   */
  async assemble(session: string, _pieces: PieceRef[], length: number): Promise<StagedBlob> {
    const path = this.sessionFile(session);
    const running = this.digests.take(session, length);
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT);
    let digest;
    try {
      const size = (await fh.stat()).size;
      if (size > length) await fh.truncate(length);
      if (running && running.offset === length && size >= length) {
        await fh.sync();
        digest = running.result();
      } else {
        // Flushing runs in the background while the pass reads back what the page cache holds.
        [digest] = await Promise.all([digestInPlace(fh, length), fh.sync()]);
      }
    } finally {
      await fh.close();
    }
    const key = `${process.pid}-${randomUUID()}`;
    await link(path, join(this.staging, key));
    return { ...digest, key };
  }

  async commit(staged: StagedBlob): Promise<void> {
    const target = this.path(staged.hash);
    const from = this.stagingPath(staged.key);
    if (await this.has(staged.hash)) return;
    const dir = dirname(target);
    const created = await mkdir(dir, { recursive: true });
    try {
      await link(from, target);
    } catch (e) {
      // Another upload committed the same content first: same bytes, nothing to do.
      if (code(e) !== 'EEXIST') throw e;
    }
    // The new entry, and those of fan-out folders this call created, must survive a crash.
    for (let d = dir; ; d = dirname(d)) {
      await fsyncPath(d);
      if (!created || d === dirname(created) || d === this.objects) break;
    }
  }

  async discard(staged: StagedBlob): Promise<void> {
    await unlink(this.stagingPath(staged.key)).catch((e: unknown) => {
      if (code(e) !== 'ENOENT') throw e;
    });
  }

  async has(hash: string): Promise<boolean> {
    const path = this.path(hash);
    try {
      return (await stat(path)).isFile();
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return false;
      throw e;
    }
  }

  async read(hash: string, range?: ByteRange): Promise<Readable> {
    const path = this.path(hash);
    checkRange(range);
    // Open first so a missing blob is an error of read(), not one the stream emits later.
    // Once open, the descriptor keeps the bytes readable even if GC unlinks the file. A raw
    // fd owned by the stream (autoClose) rather than a FileHandle the caller could outlive.
    const fd = await openFd(path, 'r').catch((e: unknown) => {
      throw code(e) === 'ENOENT' || code(e) === 'ENOTDIR' ? new KuraError('not_found', 'content not found') : e;
    });
    return createReadStream(path, { fd, autoClose: true, highWaterMark: bufferFor(range), start: range?.start, end: range?.end });
  }

  async delete(hash: string): Promise<void> {
    await unlink(this.path(checkHash(hash))).catch((e: unknown) => {
      if (code(e) !== 'ENOENT' && code(e) !== 'ENOTDIR') throw e;
    });
  }

  async *list(): AsyncIterable<StoredBlob> {
    for (const a of (await list(this.objects)).sort()) {
      if (!FAN_OUT.test(a)) continue;
      for (const b of (await list(join(this.objects, a))).sort()) {
        if (!FAN_OUT.test(b)) continue;
        for (const name of (await list(join(this.objects, a, b))).sort()) {
          // Only what read() could find: a hash filed under its own prefix.
          if (!isHash(name) || !name.startsWith(a + b)) continue;
          const s = await stat(join(this.objects, a, b, name)).catch(() => undefined);
          if (s?.isFile()) yield { hash: name, size: s.size, modifiedAt: s.mtimeMs };
        }
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.removals);
  }
}
