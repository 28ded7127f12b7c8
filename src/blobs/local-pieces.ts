import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { KuraError, type Span } from '../core/index.js';
import { HEAD_BYTES } from './ingest.js';

const BUFFER = 1024 * 1024;

async function readAt(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

function skipBytes(bufs: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of bufs) {
    if (n >= b.length) n -= b.length;
    else {
      out.push(n ? b.subarray(n) : b);
      n = 0;
    }
  }
  return out;
}

/**
 * Writes a piece into the session file at its offset. Where `known` bytes were already
 * received it compares instead of writing, and fails with conflict on the first difference,
 * so accepted bytes are never overwritten. Chunks are coalesced into ~1 MiB writes.
 */
export class InPlaceSink extends Writable {
  private pos: number;

  constructor(
    private readonly fh: FileHandle,
    start: number,
    private readonly known: Span[],
  ) {
    super({ highWaterMark: BUFFER });
    this.pos = start;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.put(chunk).then(() => cb(), cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (e?: Error | null) => void): void {
    const bufs = chunks.map((c) => c.chunk);
    (this.clear(bufs) ? this.putMany(bufs) : this.put(Buffer.concat(bufs))).then(() => cb(), cb);
  }

  /** Whether the whole run lands outside every known span (the usual case): one vectored write. */
  private clear(bufs: Buffer[]): boolean {
    const end = this.pos + bufs.reduce((n, b) => n + b.length, 0);
    return !this.known.some((s) => s.start < end && s.end > this.pos);
  }

  private async putMany(bufs: Buffer[]): Promise<void> {
    let total = bufs.reduce((n, b) => n + b.length, 0);
    let at = this.pos;
    while (total > 0) {
      const { bytesWritten } = await this.fh.writev(bufs, at);
      total -= bytesWritten;
      at += bytesWritten;
      if (total > 0) bufs = skipBytes(bufs, bytesWritten);
    }
    this.pos = at;
  }

  private async put(buf: Buffer): Promise<void> {
    for (let at = 0; at < buf.length; ) {
      const p = this.pos + at;
      const k = this.known.find((s) => s.end > p);
      if (k && k.start <= p) {
        const n = Math.min(buf.length - at, k.end - p);
        const old = Buffer.allocUnsafe(n);
        if ((await readAt(this.fh, old, p)) !== n || !old.equals(buf.subarray(at, at + n))) {
          throw new KuraError('conflict', `the slice differs from bytes already received at ${p}–${p + n - 1}`, { start: p, end: p + n - 1 });
        }
        at += n;
      } else {
        const n = Math.min(buf.length - at, (k ? k.start : Infinity) - p);
        for (let done = 0; done < n; ) done += (await this.fh.write(buf, at + done, n - done, p + done)).bytesWritten;
        at += n;
      }
    }
    this.pos += buf.length;
  }
}

/**
 * SHA-256 and head of a session file's first `offset` bytes, computed from the bytes of its
 * pieces as they were written in order on this node, so that assembly need not read the
 * whole file back. A cache only: any doubt (a piece elsewhere, out of order, failed or not
 * recorded) drops it, and assembly then reads the file back as before.
 */
export class RunningDigest {
  offset = 0;
  private readonly sha: Hash = createHash('sha256');
  private head = Buffer.alloc(0);

  update(chunk: Buffer): void {
    this.sha.update(chunk);
    if (this.head.length < HEAD_BYTES) this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
  }

  result(): { hash: string; size: number; head: Buffer } {
    return { hash: this.sha.digest('hex'), size: this.offset, head: this.head };
  }
}

/**
 * The running digests of this process's sessions (bounded: the oldest is dropped first).
 * A digest is only continued by a piece that starts where it ends and is the only piece
 * of its session being written at the time: two writers of one range at once (a client
 * racing itself) would leave on disk bytes no single digest saw, so then the session's
 * digest is dropped and assembly reads the file back. The local store has one writing
 * process (several nodes share an S3 store, whose assembly always streams the pieces).
 */
export class RunningDigests {
  private readonly digests = new Map<string, RunningDigest>();
  private readonly writers = new Map<string, { active: number; clash: boolean }>();

  constructor(private readonly max = 256) {}

  /** A piece of `session` at `start` begins: the digest it continues (a new one at 0), if any. */
  begin(session: string, start: number): { digest: RunningDigest | undefined; end: (kept: boolean) => void } {
    const w = this.writers.get(session) ?? { active: 0, clash: false };
    if (w.active > 0) w.clash = true;
    w.active++;
    this.writers.set(session, w);
    let digest = this.take(session, start);
    if (w.clash) digest = undefined;
    return {
      digest,
      end: (kept) => {
        w.active--;
        if (w.active === 0) this.writers.delete(session);
        if (!kept || w.clash || !digest) return;
        if (this.digests.size >= this.max) this.digests.delete(this.digests.keys().next().value!);
        this.digests.set(session, digest);
      },
    };
  }

  /** Takes (removes) the digest that ends at `offset`; a new one at 0; else none. */
  take(session: string, offset: number): RunningDigest | undefined {
    const d = this.digests.get(session);
    this.digests.delete(session);
    if (d && d.offset === offset) return d;
    return offset === 0 ? new RunningDigest() : undefined;
  }

  drop(session: string): void {
    this.digests.delete(session);
  }
}

/** One sequential pass over the session file: SHA-256 and head of the whole. */
export async function digestInPlace(fh: FileHandle, length: number): Promise<{ hash: string; size: number; head: Buffer }> {
  const sha = createHash('sha256');
  const buf = Buffer.allocUnsafe(BUFFER);
  let head = Buffer.alloc(0);
  for (let pos = 0; pos < length; ) {
    const n = await readAt(fh, buf.subarray(0, Math.min(BUFFER, length - pos)), pos);
    if (n === 0) throw new KuraError('conflict', `bytes from ${pos} were never received`);
    const chunk = buf.subarray(0, n);
    sha.update(chunk);
    if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
    pos += n;
  }
  return { hash: sha.digest('hex'), size: length, head };
}
