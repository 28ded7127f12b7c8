import { createHash } from 'node:crypto';
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
