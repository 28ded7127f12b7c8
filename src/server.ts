import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { describeBlobStore, describeDatabase, type KuraConfig } from './config.js';
import { buildApp, type AppDeps } from './http/app.js';
import { cutOffBodies } from './http/body-guard.js';
import { LocalBlobStore } from './blobs/local.js';
import { tuneHeapForServing } from './heap-tuning.js';
import { createLogger } from './logging.js';
import { checkLocalUploadDirs, openCore, type OpenCore } from './runtime.js';
import type { ConnectRetry } from './store/db.js';

export interface RunningServer {
  app: FastifyInstance;
  core: OpenCore;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, closes the stores. */
  stop(): Promise<void>;
  /**
   * Answers every request whose body is still arriving (an upload) with 503 and
   * `Retry-After`, closing its connection, and resolves with how many once the answers are
   * written (a shutdown past its grace, before the process exits).
   */
  cutOff(): Promise<number>;
}

/** What a cut-off upload is told to wait before it tries again (another node, or this one restarted). */
const RETRY_AFTER_SECONDS = 5;

export async function startServer(config: KuraConfig, opts: Omit<AppDeps, 'core'> & { onDatabaseRetry?: (r: ConnectRetry) => void; now?: () => number } = {}): Promise<RunningServer> {
  const core = await openCore(config, { onDatabaseRetry: opts.onDatabaseRetry, now: opts.now });
  try {
    await checkLocalUploadDirs(config);
  } catch (e) {
    await core.close();
    throw e;
  }
  const app = await buildApp(config, { ...opts, core });
  // The start banner (serve) says where Kura listens: Fastify's own "Server listening" lines
  // (one per interface) would repeat it.
  const level = app.log.level;
  app.log.level = 'warn';
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await core.close();
    throw e;
  } finally {
    app.log.level = level;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  // Periodic jobs (GC, upload expiry): every node ticks, one at a time runs each (a lease in the database).
  core.jobs.start((r) => {
    const fields = { job: r.job, holder: r.holder, startedAt: r.startedAt, finishedAt: r.finishedAt, counted: r.counted };
    if (r.error !== undefined) app.log.error({ ...fields, err: r.error }, 'periodic job failed');
    else app.log.info({ ...fields, result: r.result }, 'periodic job ran');
    if (!r.counted) app.log.warn(fields, 'periodic job outlived its lease (not renewed in time)');
  });
  let stopping: Promise<void> | undefined;
  return {
    app,
    core,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    stop: () =>
      (stopping ??= (async () => {
        // Connections that finish their last response while we drain go idle later than
        // close() began: keep closing idle ones so keep-alive clients do not hold us open.
        const jobs = core.jobs.stop();
        const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
        try {
          await app.close();
        } finally {
          clearInterval(reaper);
        }
        await jobs;
        await core.close();
      })()),
    cutOff: () => cutOffBodies(app, RETRY_AFTER_SECONDS),
  };
}

/** `kura serve`: runs until SIGTERM/SIGINT, then drains in-flight requests before exiting. */
export async function serve(config: KuraConfig, logger?: Logger): Promise<void> {
  const heap = tuneHeapForServing(config.heapTuning);
  const log = logger ?? createLogger(config);
  if (!config.publicUrlSet && ALL_INTERFACES.has(config.host)) {
    log.warn(
      { host: config.host, publicUrl: config.publicUrl },
      `HOST=${config.host} listens on all interfaces and PUBLIC_URL is unset: links Kura generates will say ${config.publicUrl}; set PUBLIC_URL to the URL clients use`,
    );
  }
  const server = await startServer(config, {
    logger: log,
    onDatabaseRetry: (r) => log.warn({ attempt: r.attempt }, `PostgreSQL at ${r.where} is not reachable yet (${r.reason}); retrying in ${r.delayMs / 1000} s`),
  });
  // What the two performance settings put in use (KURA_DIRECT_IO, KURA_HEAP_TUNING), one line each.
  const blobs = server.core.blobs;
  const direct = blobs instanceof LocalBlobStore ? blobs.directWrites() : { on: false, why: 'the blob store is S3: nothing is written to a local file' };
  log.info({ directWrites: direct.on, why: direct.why }, `direct writes ${direct.on ? 'on' : 'off'}: ${direct.why}`);
  log.info({ heapTuning: heap.tuned, why: heap.why }, `heap tuning ${heap.tuned ? 'on' : 'off'}: ${heap.why}`);
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down: draining in-flight requests');
    // Past the grace, uploads still arriving are answered (503, Retry-After) and logged, not cut mid-body.
    const force = setTimeout(() => {
      void server.cutOff().then(
        (n) => {
          log.error({ answered503: n }, `in-flight requests did not finish within KURA_SHUTDOWN_GRACE_SECONDS (${config.shutdownGraceSeconds}); exiting`);
          process.exit(1);
        },
        () => process.exit(1),
      );
    }, config.shutdownGraceSeconds * 1000);
    force.unref();
    server.stop().then(
      () => process.exit(0),
      (e) => {
        log.error({ err: e }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // Last: whoever waits for the banner may signal at once, and the handlers are in place.
  log.info(await banner(config, server), `Kura ${VERSION} is serving at ${server.url}`);
}

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0']);

/** The package's version (package.json sits one level above src/ and dist/). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The start banner: one record (JSON fields for machines; logging.ts renders it as a block on
 * a terminal). Never a password: the database shows as host:port/name, S3 as bucket and endpoint.
 */
async function banner(config: KuraConfig, server: RunningServer): Promise<Record<string, unknown>> {
  const base = config.publicUrlSet ? config.publicUrl : server.url;
  return {
    banner: true,
    version: VERSION,
    url: server.url,
    ...(config.publicUrlSet ? { publicUrl: config.publicUrl } : {}),
    docs: `${base}/docs`,
    dataDir: config.dataDir,
    database: describeDatabase(config),
    blobStore: describeBlobStore(config),
    ...((await server.core.users.any()) ? {} : { hint: 'no user yet: create the first one with `kura user add NAME --admin` (`npx kura` in an npm install)' }),
  };
}
