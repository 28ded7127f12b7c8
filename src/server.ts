import type { FastifyInstance } from 'fastify';
import type { KuraConfig } from './config.js';
import { buildApp, type AppDeps } from './http/app.js';
import { openCore, type OpenCore } from './runtime.js';

export interface RunningServer {
  app: FastifyInstance;
  core: OpenCore;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, closes the stores. */
  stop(): Promise<void>;
}

export async function startServer(config: KuraConfig, opts: Omit<AppDeps, 'core'> = {}): Promise<RunningServer> {
  const core = await openCore(config);
  const app = await buildApp(config, { ...opts, core });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await core.close();
    throw e;
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
  };
}

/** `kura serve`: runs until SIGTERM/SIGINT, then drains in-flight requests before exiting. */
export async function serve(config: KuraConfig): Promise<void> {
  const server = await startServer(config);
  const log = server.app.log;
  log.info({ url: server.url, dataDir: config.dataDir, database: config.databaseUrl ? 'postgres' : 'sqlite', blobStore: config.blobStore }, 'kura is serving');
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      log.error('in-flight requests did not finish in time; exiting');
      process.exit(1);
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
}
