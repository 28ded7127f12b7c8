import { join } from 'node:path';
import type { KuraConfig } from './config.js';
import { LocalBlobStore } from './blobs/local.js';
import { S3BlobStore } from './blobs/s3.js';
import { createCore, type Core } from './core/index.js';
import type { BlobStore } from './core/ports/index.js';
import { openDatabase } from './store/db.js';

/** Builds the blob store the configuration names. */
export function blobStoreFor(config: KuraConfig): BlobStore {
  return config.blobStore === 's3' ? new S3BlobStore(config.s3) : new LocalBlobStore({ root: join(config.dataDir, 'blobs') });
}

/**
 * Opens every port (metadata store with migrations, blob store with its start-up clean-up)
 * and wires the core. Used by `kura serve`, the CLI commands and the tests.
 */
export async function openCore(config: KuraConfig): Promise<Core & { close(): Promise<void> }> {
  const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const blobs = blobStoreFor(config);
  try {
    await blobs.init();
  } catch (e) {
    await database.close();
    throw e;
  }
  const fault = (point: string) => {
    if (point === config.testFault) process.kill(process.pid, 'SIGKILL');
  };
  const core = createCore({ config, database, blobs, now: Date.now, fault });
  return {
    ...core,
    close: async () => {
      await blobs.close();
      await database.close();
    },
  };
}
