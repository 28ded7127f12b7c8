import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, open as openCb } from 'node:fs';
import { promisify } from 'node:util';
import { link, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KuraError } from '../core/errors.js';
import type { BlobStore, ByteRange, StagedBlob, StageOptions, StoredBlob } from '../core/ports.js';
import { Ingest } from './ingest.js';
import { blobKey, checkHash, isHash } from './locator.js';

const READ_BUFFER = 1024 * 1024;
const openFd = promisify(openCb);

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Blobs on the local disk: `root/objects/ab/cd/<sha256>`, staged in `root/staging/<pid>-<uuid>`
 * on the same filesystem. Staging files are fsynced before they are linked into place and
 * the directory is fsynced after, so a crash leaves either no object or a whole one.
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  private readonly objects: string;
  private readonly staging: string;

  constructor(opts: { root: string }) {
    this.objects = join(opts.root, 'objects');
    this.staging = join(opts.root, 'staging');
  }

  path(hash: string): string {
    return join(this.objects, blobKey(hash));
  }

  /** Creates the folders and removes staging files of processes that no longer run. */
  async init(): Promise<void> {
    await mkdir(this.objects, { recursive: true });
    await mkdir(this.staging, { recursive: true });
    for (const name of await readdir(this.staging)) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      if (!Number.isSafeInteger(pid) || pid === process.pid || processAlive(pid)) continue;
      await unlink(join(this.staging, name)).catch(() => undefined);
    }
  }

  async stage(source: Readable, opts: StageOptions): Promise<StagedBlob> {
    const key = `${process.pid}-${randomUUID()}`;
    const path = join(this.staging, key);
    const ingest = new Ingest(opts.maxBytes);
    const out = createWriteStream(path, { flags: 'wx', highWaterMark: READ_BUFFER });
    try {
      await pipeline(source, ingest, out);
      await fsyncPath(path);
    } catch (e) {
      out.destroy();
      await unlink(path).catch(() => undefined);
      throw e;
    }
    return { ...ingest.result(), key };
  }

  async commit(staged: StagedBlob): Promise<void> {
    const target = this.path(staged.hash);
    if (await this.has(staged.hash)) return;
    await mkdir(dirname(target), { recursive: true });
    try {
      await link(join(this.staging, staged.key), target);
    } catch (e) {
      // Another upload committed the same content first: same bytes, nothing to do.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    await fsyncPath(dirname(target));
  }

  async discard(staged: StagedBlob): Promise<void> {
    if (!/^\d+-[0-9a-f-]{36}$/.test(staged.key)) return;
    await unlink(join(this.staging, staged.key)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  async has(hash: string): Promise<boolean> {
    try {
      return (await stat(this.path(hash))).isFile();
    } catch {
      return false;
    }
  }

  async read(hash: string, range?: ByteRange): Promise<Readable> {
    const path = this.path(hash);
    // Open first so a missing blob is an error of read(), not of the stream later. A raw fd
    // (not a FileHandle, which the GC may close under the stream) owned by the stream.
    const fd = await openFd(path, 'r').catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ENOENT' ? new KuraError('not_found', 'content not found') : e;
    });
    return createReadStream(path, { fd, autoClose: true, highWaterMark: READ_BUFFER, start: range?.start, end: range?.end });
  }

  async delete(hash: string): Promise<void> {
    await unlink(this.path(checkHash(hash))).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  async *list(): AsyncIterable<StoredBlob> {
    for (const a of await readdir(this.objects).catch(() => [] as string[])) {
      for (const b of await readdir(join(this.objects, a)).catch(() => [] as string[])) {
        for (const name of await readdir(join(this.objects, a, b)).catch(() => [] as string[])) {
          if (!isHash(name)) continue;
          const s = await stat(join(this.objects, a, b, name)).catch(() => undefined);
          if (s?.isFile()) yield { hash: name, size: s.size };
        }
      }
    }
  }

  async close(): Promise<void> {}
}
