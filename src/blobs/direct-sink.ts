import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * File positions and memory addresses of direct (O_DIRECT) writes are multiples of this:
 * the page size, which covers every device's logical block size up to 4 KiB.
 */
export const DIRECT_ALIGN = 4096;
/**
 * The unit of a direct write; a writer holds two (one filling while the other is written).
 * 1 MiB: the last slab of a piece is written before the piece is answered, and a 4 MiB slab
 * made that wait long enough to cost 10% of a tus upload's rate (decision 0021).
 */
export const SLAB_BYTES = 1024 * 1024;

const alignDown = (n: number): number => n - (n % DIRECT_ALIGN);
const alignUp = (n: number): number => alignDown(n + DIRECT_ALIGN - 1);
const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/**
 * Page-aligned buffers for direct writes, reused. Node cannot allocate aligned memory, but a
 * WebAssembly memory starts on a page boundary. At most `max` slabs exist at once; a writer
 * that finds none free writes through the page cache instead. At most `keepIdle` are kept
 * between uploads; the rest are left to the garbage collector.
 */
export class AlignedSlabs {
  private readonly idle: Buffer[] = [];
  private made = 0;

  constructor(
    private readonly max: number,
    private readonly keepIdle = 4,
  ) {}

  /** Two free slabs, or none (the limit reached, or no WebAssembly in this runtime). */
  takePair(): [Buffer, Buffer] | undefined {
    const got: Buffer[] = [];
    while (got.length < 2) {
      const b = this.idle.pop() ?? this.make();
      if (!b) break;
      got.push(b);
    }
    if (got.length === 2) return [got[0], got[1]];
    this.give(got);
    return undefined;
  }

  give(slabs: Buffer[]): void {
    for (const b of slabs) {
      if (this.idle.length < this.keepIdle) this.idle.push(b);
      else this.made--;
    }
  }

  private make(): Buffer | undefined {
    if (this.made >= this.max) return undefined;
    try {
      const b = Buffer.from(new WebAssembly.Memory({ initial: SLAB_BYTES / 65536, maximum: SLAB_BYTES / 65536 }).buffer);
      this.made++;
      return b;
    } catch {
      return undefined;
    }
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, offset: number, length: number, position: number): Promise<void> {
  for (let done = 0; done < length; ) {
    const { bytesWritten } = await fh.write(buf, offset + done, length - done, position + done);
    if (bytesWritten === 0) throw new Error(`a write at ${position + done} wrote nothing`);
    done += bytesWritten;
  }
}

/**
 * Writes a stream into a file at `start`, bypassing the page cache: bytes are copied into
 * aligned slabs and each full slab is written with O_DIRECT through `direct` while the next
 * one fills. The unaligned edges (a start or an end inside a page) go through `buffered`, an
 * ordinary handle on the same file; the kernel keeps the two coherent. Bytes are on the
 * device (not yet flushed from its cache, nor the file's metadata) once the stream finishes.
 *
 * Why: on a virtual machine whose host reclaims the guest's free memory, writing 1 GiB
 * through the page cache touches 1 GiB of memory the host must hand back, costing more CPU
 * than the rest of the upload together (decision 0021).
 *
 * If the filesystem refuses a direct write (EINVAL), that write and the rest go through
 * `buffered`, and `onRefused` is told.
 */
export class DirectSink extends Writable {
  /** Bytes that went through the page cache (the edges, or everything after a refusal). */
  bufferedBytes = 0;
  private cur = 0;
  /** File position of byte 0 of the current slab (aligned). */
  private base: number;
  /** The current slab's bytes to write: [from, fill). */
  private from: number;
  private fill: number;
  private readonly inflight: (Promise<void> | undefined)[] = [undefined, undefined];
  private failure: unknown;
  private refused = false;

  constructor(
    private readonly buffered: FileHandle,
    private readonly direct: FileHandle,
    start: number,
    private readonly slabs: [Buffer, Buffer],
    private readonly onRefused: () => void,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.base = alignDown(start);
    this.from = this.fill = start - this.base;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.put(chunk).then(() => cb(), cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.handOff();
    this.settled().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    // No write may be in flight once the stream reports 'close': the caller closes the file.
    void Promise.all(this.inflight).then(() => cb(err));
  }

  private async put(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length; ) {
      const slab = this.slabs[this.cur];
      const n = Math.min(chunk.length - at, slab.length - this.fill);
      chunk.copy(slab, this.fill, at, at + n);
      this.fill += n;
      at += n;
      if (this.fill === slab.length) {
        this.handOff();
        // The slab to fill next must be written out first.
        await this.inflight[this.cur];
        if (this.failure) throw this.failure;
      }
    }
  }

  /** Starts writing the current slab's bytes and moves on to the other slab. */
  private handOff(): void {
    if (this.fill > this.from) {
      const i = this.cur;
      this.inflight[i] = this.writeOut(this.slabs[i], this.base, this.from, this.fill).catch((e: unknown) => {
        this.failure ??= e;
      });
    }
    this.base += this.fill;
    this.from = this.fill = 0;
    this.cur = 1 - this.cur;
  }

  private async settled(): Promise<void> {
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure;
  }

  /** Bytes [from, to) of `slab` at file position base + from: the aligned middle direct, the edges buffered. */
  private async writeOut(slab: Buffer, base: number, from: number, to: number): Promise<void> {
    const a = Math.min(to, alignUp(from));
    const b = Math.max(a, alignDown(to));
    if (a > from) await this.writeBuffered(slab, from, a - from, base + from);
    if (b > a) {
      if (this.refused) await this.writeBuffered(slab, a, b - a, base + a);
      else {
        try {
          await writeAll(this.direct, slab, a, b - a, base + a);
        } catch (e) {
          if (code(e) !== 'EINVAL') throw e;
          // Both slabs' writes may be refused: say it once.
          if (!this.refused) this.onRefused();
          this.refused = true;
          await this.writeBuffered(slab, a, b - a, base + a);
        }
      }
    }
    if (to > b) await this.writeBuffered(slab, b, to - b, base + b);
  }

  private async writeBuffered(slab: Buffer, offset: number, length: number, position: number): Promise<void> {
    await writeAll(this.buffered, slab, offset, length, position);
    this.bufferedBytes += length;
  }
}
