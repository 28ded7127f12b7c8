import { realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { coreConfig, dataDirOverlap, overlaps, type KuraConfig } from './config.js';
import { LocalBlobStore } from './blobs/local.js';
import { makeDirs } from './dirs.js';
import { SourceReader, sourceLimitsOf } from './fetch/sources.js';
import { createCore, type BlobStore, type Core, type ImageEngine, type SourceOpener, type ImageInfo, type ImageRecipe, type ImageSource } from './core/index.js';
import type { SharpImages } from './media/images.js';
import { openDatabase, type ConnectRetry, type Database } from './store/db.js';

/** Builds the blob store the configuration names (the S3 client is loaded only for S3). */
export async function blobStoreFor(config: KuraConfig): Promise<BlobStore> {
  if (config.blobStore !== 's3') return new LocalBlobStore({ root: join(config.dataDir, 'blobs'), directIo: config.directIo });
  const { S3BlobStore } = await import('./blobs/s3.js');
  return new S3BlobStore(config.s3);
}

/** The image engine, or (for admin commands, which rarely touch images) one that loads sharp on first use. */
type ImageLoad = Pick<SharpImages, 'load'> & ImageEngine;

class LazyImages implements ImageLoad {
  private engine?: Promise<SharpImages>;

  private get(): Promise<SharpImages> {
    this.engine ??= import('./media/images.js').then(({ SharpImages }) => new SharpImages());
    return this.engine;
  }

  get load(): { running: number; waiting: number } {
    return { running: 0, waiting: 0 };
  }

  async probe(source: ImageSource) {
    return (await this.get()).probe(source);
  }

  async render(source: ImageSource, recipe: ImageRecipe) {
    return (await this.get()).render(source, recipe);
  }

  async probeAndRender(source: ImageSource, recipe: ImageRecipe, want: (info: ImageInfo) => boolean) {
    return (await this.get()).probeAndRender(source, recipe, want);
  }
}

/** A running core with the ports it was opened on (tools and tests may inspect them). */
export type OpenCore = Core & {
  readonly database: Database;
  readonly blobs: BlobStore;
  readonly images: ImageLoad;
  readonly sources: SourceOpener;
  close(): Promise<void>;
};

/**
 * Opens every port (metadata store with migrations, blob store with its start-up clean-up
 * unless `blobs: false`, image engine) and wires the core. `mustExist` refuses to create a new
 * database (admin commands). `now` replaces the clock (tests that let time pass without
 * waiting); `memoryDatabase` keeps SQLite in memory (the core's own tests). Used by `kura serve`, the CLI commands and the tests.
 */
export async function openCore(
  config: KuraConfig,
  opts: { blobs?: boolean; mustExist?: boolean; images?: 'lazy'; onDatabaseRetry?: (r: ConnectRetry) => void; now?: () => number; memoryDatabase?: boolean } = {},
): Promise<OpenCore> {
  // Admin commands (mustExist) create nothing, not even DATA_DIR.
  const usesDataDir = !config.databaseUrl || (config.blobStore === 'local' && opts.blobs !== false);
  if (usesDataDir && !opts.mustExist) await checkDataDir(config.dataDir);
  const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, mustExist: opts.mustExist, connectTimeoutMs: config.dbConnectTimeoutMs, onRetry: opts.onDatabaseRetry, memory: opts.memoryDatabase }).catch((e: unknown) => {
    throw config.databaseUrl ? e : dataDirError(config.dataDir, e);
  });
  let blobs: BlobStore;
  try {
    blobs = await blobStoreFor(config);
    // Tools that touch only metadata (users, tokens, spaces) need not reach the blob store.
    if (opts.blobs !== false) await blobs.init();
  } catch (e) {
    await database.close();
    throw config.blobStore === 'local' ? dataDirError(config.dataDir, e) : e;
  }
  const fault = (point: string) => {
    if (point === config.testFault) process.kill(process.pid, 'SIGKILL');
  };
  const images = opts.images === 'lazy' ? new LazyImages() : new (await import('./media/images.js')).SharpImages();
  const sources = new SourceReader(sourceLimitsOf(config));
  const core = createCore({ config: coreConfig(config), store: database.store, blobs, images, sources, now: opts.now ?? Date.now, fault });
  return {
    ...core,
    database,
    blobs,
    images,
    sources,
    close: async () => {
      await blobs.close();
      await database.close();
    },
  };
}

/**
 * DATA_DIR must be a directory Kura can write (SQLite, local blobs): created if missing (each
 * level once: `/proc/x` fails at once instead of spinning), then a probe file written and
 * removed, so a wrong path or mount fails at start with a message naming DATA_DIR, the path
 * and the reason, not at the first upload.
 */
async function checkDataDir(dataDir: string): Promise<void> {
  try {
    await makeDirs(dataDir);
    const probe = join(dataDir, `.kura-write-test-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (e) {
    throw dataDirError(dataDir, e);
  }
}

/**
 * Uploads by local path must never reach Kura's own files: KURA_LOCAL_UPLOAD_DIRS and
 * DATA_DIR may not overlap. The configuration checks the paths as written; this checks
 * where they really lead (symlinks), once DATA_DIR exists. Directories that do not exist
 * yet are judged as written.
 */
export async function checkLocalUploadDirs(config: KuraConfig): Promise<void> {
  if (config.localUploadDirs.length === 0) return;
  const real = (p: string) => realpath(p).catch(() => p);
  const dataDir = await real(config.dataDir);
  for (const dir of config.localUploadDirs) {
    const r = await real(dir);
    if (overlaps(r, dataDir)) throw dataDirOverlap(r === dir ? dir : `${dir} (really ${r})`, dataDir);
  }
}

/** File-system errors at start say which setting and which path are at fault. */
function dataDirError(dataDir: string, e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const err = e as NodeJS.ErrnoException;
  const fsError = typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code);
  if (!fsError && !err.message.startsWith('cannot open the SQLite database')) return e;
  const where = err.path && !err.message.includes(err.path) ? ` (${err.path})` : '';
  return new Error(`cannot use DATA_DIR=${dataDir}: ${err.message}${where}`, { cause: e });
}
