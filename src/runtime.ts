import { join } from 'node:path';
import type { KuraConfig } from './config.js';
import { LocalBlobStore } from './blobs/local.js';
import { S3BlobStore } from './blobs/s3.js';
import { createCore, type BlobStore, type Core } from './core/index.js';
import { SharpImages } from './media/images.js';
import { openDatabase, type Database } from './store/db.js';

/** Builds the blob store the configuration names. */
export function blobStoreFor(config: KuraConfig): BlobStore {
  return config.blobStore === 's3' ? new S3BlobStore(config.s3) : new LocalBlobStore({ root: join(config.dataDir, 'blobs') });
}

/** A running core with the ports it was opened on (tools and tests may inspect them). */
export type OpenCore = Core & {
  readonly database: Database;
  readonly blobs: BlobStore;
  readonly images: SharpImages;
  close(): Promise<void>;
};

/**
 * Opens every port (metadata store with migrations, blob store with its start-up clean-up
 * unless `blobs: false`, image engine) and wires the core. `mustExist` refuses to create a new
 * database (admin commands). Used by `kura serve`, the CLI commands and the tests.
 */
export async function openCore(config: KuraConfig, opts: { blobs?: boolean; mustExist?: boolean } = {}): Promise<OpenCore> {
  const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, mustExist: opts.mustExist });
  const blobs = blobStoreFor(config);
  try {
    // Tools that touch only metadata (users, tokens, spaces) need not reach the blob store.
    if (opts.blobs !== false) await blobs.init();
  } catch (e) {
    await database.close();
    throw e;
  }
  const fault = (point: string) => {
    if (point === config.testFault) process.kill(process.pid, 'SIGKILL');
  };
  const images = new SharpImages();
  const core = createCore({ config, store: database.store, blobs, images, now: Date.now, fault });
  return {
    ...core,
    database,
    blobs,
    images,
    close: async () => {
      await blobs.close();
      await database.close();
    },
  };
}
