import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3BlobStoreOptions } from '../../src/blobs/s3.js';
import { loadS3rver } from '../../bench/lib/s3rver-safe.mjs';

/** The part of s3rver v3's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (opts: { address: string; port: number; directory: string; silent: boolean; resetOnClose?: boolean }) => S3rverInstance;

export interface TestS3 {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** A blob store configuration pointing at this server (path-style, s3rver's fixed keys). */
  s3Config(bucket: string, prefix?: string): S3BlobStoreOptions;
  close(): Promise<void>;
}

/**
 * Starts a real S3-compatible server (s3rver) on a free port, backed by a fresh temp dir.
 * Buckets are not created here: S3BlobStore.init() creates its own, as against real S3.
 */
export async function startS3(): Promise<TestS3> {
  const S3rver = loadS3rver() as S3rverClass;
  const directory = await mkdtemp(join(tmpdir(), 'kura-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (e) {
    await rm(directory, { recursive: true, force: true });
    throw e;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    s3Config: (bucket, prefix) => ({
      endpoint,
      region: 'us-east-1',
      bucket,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
      ...(prefix === undefined ? {} : { prefix }),
    }),
    async close() {
      const closing = server.close();
      // Clients keep sockets alive; without this close() waits for them to time out.
      server.httpServer?.closeAllConnections();
      await closing;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

