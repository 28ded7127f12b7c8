import { constants, createReadStream, type ReadStream } from 'node:fs';
import { lstat, open, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
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

/** Most symbolic links followed while resolving one path (Linux's own limit). */
const MAX_LINKS = 40;

/**
 * Where a path leads, following symbolic links component by component as far as it
 * exists: the real path, or the real path of the last component that exists when a later
 * one does not (`missing`). Whatever fails to be looked at (absent, unreadable, a loop of
 * links) counts as missing there.
 */
async function walk(path: string): Promise<{ real: string; missing: boolean }> {
  const rest = path.split(sep).filter(Boolean).reverse();
  let at: string = sep;
  let links = 0;
  while (rest.length > 0) {
    const part = rest.pop() as string;
    if (part === '.') continue;
    if (part === '..') {
      at = dirname(at);
      continue;
    }
    const next = join(at, part);
    const st = await lstat(next).catch(() => undefined);
    if (!st) return { real: at, missing: true };
    if (!st.isSymbolicLink()) {
      at = next;
      continue;
    }
    const target = await readlink(next).catch(() => undefined);
    if (target === undefined || ++links > MAX_LINKS) return { real: at, missing: true };
    rest.push(...target.split(sep).filter(Boolean).reverse());
    if (isAbsolute(target)) at = sep;
  }
  return { real: at, missing: false };
}

/**
 * Opens a local file for an upload, only below `dirs` (config `localUploadDirs`; none:
 * every local path is refused). The path must be absolute; it is first judged as written
 * (`..` resolved), so nothing outside is ever touched; then it is followed link by link,
 * and where it leads must still lie below an allowed directory's real path — judged before
 * whether the file exists, so a link out of a drop directory never tells whether a path
 * outside exists (both are refused alike); and the file actually opened is checked once
 * more through its descriptor, so a link swapped in between cannot lead outside. Only
 * regular files are read (no devices, FIFOs or directories).
 */
export async function openConfined(rawPath: string, dirs: readonly string[]): Promise<LocalFile> {
  if (dirs.length === 0) throw refused('uploads from local paths are not enabled on this server (KURA_LOCAL_UPLOAD_DIRS)');
  if (rawPath.includes('\0')) throw badRequest('a path cannot contain NUL', { source: 'path' });
  if (!isAbsolute(rawPath)) throw badRequest('a local path must be absolute', { source: 'path' });
  const lexical = resolve(rawPath);
  if (!dirs.some((d) => inside(lexical, d))) throw refused('it is outside the directories uploads may read');
  const roots = await Promise.all(dirs.map((d) => realpath(d).catch(() => undefined)));
  const within = (p: string) => roots.some((r) => r !== undefined && inside(p, r));
  const { real, missing } = await walk(lexical);
  if (!within(real)) throw refused('it leads outside the directories uploads may read');
  if (missing) throw new KuraError('not_found', 'no such file', { source: 'path' });
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
