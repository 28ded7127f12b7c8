import { constants, createReadStream, type ReadStream } from 'node:fs';
import { open, readlink, realpath } from 'node:fs/promises';
import { basename, isAbsolute, resolve, sep } from 'node:path';
import { badRequest, KuraError } from '../core/index.js';

/** A file opened below an allowed directory. */
export interface LocalFile {
  stream: ReadStream;
  name: string;
  size: number;
}

const refused = (why: string) => new KuraError('forbidden', `refusing to read that path: ${why}`, { source: 'path' });

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** The real path of an open descriptor (Linux: /proc/self/fd), or undefined where there is no such view. */
async function pathOfFd(fd: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/**
 * Opens a local file for an upload, only below `dirs` (config `localUploadDirs`; none:
 * every local path is refused). The path must be absolute; it is first judged as written
 * (`..` resolved), so nothing outside is ever touched; then its real path (symlinks
 * followed) must still lie below an allowed directory's real path; and the file actually
 * opened is checked once more through its descriptor, so a link swapped in between
 * cannot lead outside. Only regular files are read (no devices, FIFOs or directories).
 */
export async function openConfined(rawPath: string, dirs: readonly string[]): Promise<LocalFile> {
  if (dirs.length === 0) throw refused('uploads from local paths are not enabled on this server (KURA_LOCAL_UPLOAD_DIRS)');
  if (rawPath.includes('\0')) throw badRequest('a path cannot contain NUL', { source: 'path' });
  if (!isAbsolute(rawPath)) throw badRequest('a local path must be absolute', { source: 'path' });
  const lexical = resolve(rawPath);
  if (!dirs.some((d) => inside(lexical, d))) throw refused('it is outside the directories uploads may read');
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    throw new KuraError('not_found', 'no such file', { source: 'path' });
  }
  const roots = await Promise.all(dirs.map((d) => realpath(d).catch(() => undefined)));
  const within = (p: string) => roots.some((r) => r !== undefined && inside(p, r));
  if (!within(real)) throw refused('it leads outside the directories uploads may read');
  // O_NOFOLLOW: the last component cannot have become a link; O_NONBLOCK: a FIFO cannot hang us.
  const fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => {
    throw new KuraError('not_found', 'no such file', { source: 'path' });
  });
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw badRequest('not a regular file', { source: 'path' });
    const opened = await pathOfFd(fh.fd);
    if (opened !== undefined && !within(opened)) throw refused('it leads outside the directories uploads may read');
    const stream = createReadStream('', { fd: fh, autoClose: true, highWaterMark: 1024 * 1024 });
    return { stream, name: basename(lexical), size: st.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}
