import { loadConfig } from '../../config.js';
import type { Core } from '../../core/index.js';
import { openCore } from '../../runtime.js';

/** Runs `fn` with a core opened from the environment's configuration, then closes it. */
export async function withCore<T>(fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await openCore(loadConfig());
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}
