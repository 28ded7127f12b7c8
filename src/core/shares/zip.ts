import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';

/** One entry of a folder download: a folder (kept even when empty) or a file's content. */
export type ZipEntry = { kind: 'folder'; path: string; modifiedAt: number } | { kind: 'file'; path: string; modifiedAt: number; hash: string; size: number; mime: string };

/** Text-like content is deflated; everything else (mostly compressed already) is stored. */
const compressible = (mime: string) => /^text\/|json|xml|javascript|svg|csv/.test(mime);

/**
 * A zip of the entries, streamed: each file's content is opened only when its turn comes
 * and written with back-pressure, never buffered whole. yazl switches to ZIP64 by itself
 * for entries or archives past 4 GiB (or 65 535 entries).
 */
export function zipStream(entries: ZipEntry[], open: (hash: string) => Promise<Readable>): Readable {
  const zip = new ZipFile();
  const out = zip.outputStream as Readable;
  let current: Readable | undefined;
  // A store failure mid-way ends the download with an error (the client sees a cut transfer).
  const fail = (err: Error) => out.destroy(err);
  zip.on('error', fail);
  // The client went away (or the store failed): close the content being read, stop there.
  out.once('close', () => current?.destroy());
  for (const e of entries) {
    const mtime = new Date(e.modifiedAt);
    if (e.kind === 'folder') {
      zip.addEmptyDirectory(e.path, { mtime });
      continue;
    }
    zip.addReadStreamLazy(e.path, { size: e.size, mtime, compress: compressible(e.mime) }, (cb) => {
      open(e.hash).then(
        (s) => {
          if (out.destroyed) return void s.destroy();
          current = s;
          s.once('error', fail);
          cb(null, s);
        },
        fail,
      );
    });
  }
  zip.end();
  return out;
}

/** A name as the first segment of zip paths: never read as an absolute (drive-letter) path. */
export const zipRoot = (name: string) => (/^[a-zA-Z]:/.test(name) ? `_${name}` : name);
