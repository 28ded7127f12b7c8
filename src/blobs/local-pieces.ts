import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { KuraError } from '../core/errors.js';
import { DamagedPiece, type PieceRef, type Span } from '../core/ports.js';
import { HEAD_BYTES } from './ingest.js';
import { hex32, inOrder } from './pieces.js';

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
    this.put(Buffer.concat(chunks.map((c) => c.chunk))).then(() => cb(), cb);
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
 * One sequential pass over the session file: SHA-256 and head of the whole, and the CRC-32
 * of every recorded piece (a piece whose bytes changed since it was written is DamagedPiece).
 */
export async function digestInPlace(fh: FileHandle, pieces: PieceRef[], length: number): Promise<{ hash: string; size: number; head: Buffer }> {
  const sha = createHash('sha256');
  const order = inOrder(pieces);
  const crcs = new Map<PieceRef, number>();
  let first = 0;
  const buf = Buffer.allocUnsafe(BUFFER);
  let head = Buffer.alloc(0);
  for (let pos = 0; pos < length; ) {
    const n = await readAt(fh, buf.subarray(0, Math.min(BUFFER, length - pos)), pos);
    if (n === 0) throw new KuraError('conflict', `bytes from ${pos} were never received`);
    const chunk = buf.subarray(0, n);
    sha.update(chunk);
    if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
    while (first < order.length && order[first].start + order[first].size <= pos) first++;
    for (let i = first; i < order.length && order[i].start < pos + n; i++) {
      const p = order[i];
      const from = Math.max(p.start, pos);
      const to = Math.min(p.start + p.size, pos + n);
      if (from < to) crcs.set(p, crc32(chunk.subarray(from - pos, to - pos), crcs.get(p) ?? 0));
    }
    pos += n;
  }
  for (const p of order) if (hex32(crcs.get(p) ?? 0) !== p.checksum) throw new DamagedPiece(p);
  return { hash: sha.digest('hex'), size: length, head };
}
