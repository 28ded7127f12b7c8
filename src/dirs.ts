import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that always ends: Node's own `{ recursive: true }` spins forever at 100% CPU
 * where a parent exists but refuses children with ENOENT (`/proc/x`). Each missing level is
 * made once; any error (ENOENT again, ENOTDIR, EACCES, EROFS, EEXIST on a file) is thrown
 * as the system said it, path included.
 */
export async function makeDirs(path: string): Promise<void> {
  try {
    await mkdir(path);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return;
      throw e;
    }
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw e;
    await makeDirs(parent);
  }
  // The parent exists now: one more try, and whatever fails is the answer.
  try {
    await mkdir(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(path)).isDirectory()) return;
    throw e;
  }
}
