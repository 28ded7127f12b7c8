import { loadConfig } from '../../config.js';
import type { Core } from '../../core/index.js';
import { openCore } from '../../runtime.js';

/**
 * Runs `fn` with a core opened from the environment's configuration, then closes it.
 * `blobs: false` for commands that touch only metadata: they work while the blob store is
 * unreachable.
 */
export async function withCore<T>(fn: (core: Core) => Promise<T>, opts: { blobs?: boolean } = {}): Promise<T> {
  const core = await openCore(loadConfig(), opts);
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}
