import { describeBlobStore, describeDatabase, loadConfig } from '../../config.js';
import { KuraError, type Core } from '../../core/index.js';
import type { OpenCore } from '../../runtime.js';
import { io } from '../io.js';

export interface CoreOptions {
  /** false for commands that touch only metadata: they work while the blob store is unreachable. */
  blobs?: boolean;
  /** Create the database when there is none (only `user add --init`); others refuse. */
  create?: boolean;
}

/**
 * Runs `fn` with a core opened from the environment's configuration, then closes it. Says
 * on stderr which data directory and database it uses, and refuses to create a new, empty
 * database, so a command run from the wrong folder never shows an empty system.
 */
export async function withCore<T>(fn: (core: Core) => Promise<T>, opts: CoreOptions = {}): Promise<T> {
  const config = loadConfig(io().env);
  const where = `data directory ${config.dataDir}, database ${describeDatabase(config)}${opts.blobs === false ? '' : `, blobs on ${describeBlobStore(config)}`}`;
  io().stderr.write(`kura: using ${where}\n`);
  // Loaded on use: `kura --version` and `--help` start without the database and storage code.
  const [{ openCore }, { NoDatabaseError }] = await Promise.all([import('../../runtime.js'), import('../../store/db.js')]);
  let core: OpenCore;
  try {
    core = await openCore(config, { blobs: opts.blobs, mustExist: !opts.create, images: 'lazy' });
  } catch (e) {
    if (!(e instanceof NoDatabaseError)) throw e;
    throw new KuraError(
      'not_found',
      `${e.message}: run this command where Kura keeps its data, or set DATA_DIR / DATABASE_URL as \`kura serve\` has them (a first \`kura serve\`, or \`kura user add NAME --admin --init\`, creates the database)`,
    );
  }
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}
