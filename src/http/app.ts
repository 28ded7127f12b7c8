import type { Writable } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { KuraConfig } from '../config.js';
import type { Core } from '../core/index.js';
import { DIALECTS } from './dialects/index.js';
import { registerBodyParsers } from './shared/bodies.js';
import { guardBodyPace } from './body-guard.js';
import { registerDocs } from './docs.js';
import { Metrics, scrapeGuard } from './metrics.js';
import { mountDialect, type DialectFactory } from './shared/dialect.js';
import { renderErrorsWith, restError } from './shared/errors.js';
import { createLogger } from '../logging.js';

export interface AppDeps {
  core: Core;
  /**
   * Pass false to silence request logs (tests), a stream to write them to (tests that
   * read the log), or the process's logger (`kura serve`); default: createLogger(config), to stdout.
   */
  logger?: boolean | { stream: Writable } | Logger;
  /** The dialects to mount, in order (default: every dialect, dialects/index.ts). */
  dialects?: readonly DialectFactory[];
}

const isLogger = (l: AppDeps['logger']): l is Logger => typeof l === 'object' && typeof (l as Logger).child === 'function';

/** JSON and form bodies (uploads stream past this). */
const BODY_LIMIT = 1024 * 1024;

const trustHops = (n: number) => (_address: string, hop: number) => hop < n;

/** Builds the HTTP application: every dialect mounted on one core. */
export async function buildApp(config: KuraConfig, deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Credentials never reach a log line: one redaction list (src/redact.ts) for every dialect.
    ...(deps.logger === false ? { logger: false } : { loggerInstance: (isLogger(deps.logger) ? deps.logger : createLogger(config, typeof deps.logger === 'object' ? { stream: deps.logger.stream } : {})) as FastifyBaseLogger }),
    // One access-log line per request, written by the metrics hook (Fastify's own is two).
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (pino serialises its bindings each time: a quarter of a
    // small GET's cost); the lines Kura writes about a request carry `reqId` themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT,
    // A hop count trusts that many proxies nearest to Kura; addresses trust exactly those.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    routerOptions: { maxParamLength: 512 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Wrong JSON types are errors, never silently converted (query numbers are parsed by the core).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  registerBodyParsers(app, BODY_LIMIT);

  const metrics = new Metrics(deps.core);
  metrics.register(app);
  guardBodyPace(app, { windowMs: config.bodyWindowMs, minBytes: config.bodyMinBytes });

  const dialects = (deps.dialects ?? DIALECTS).map((make) => make(deps.core, config));
  // Before the dialects: the document collects routes as they are added.
  await registerDocs(app, dialects);

  // Outside every dialect's prefix (health, metrics, docs, unknown paths): the REST error shape.
  renderErrorsWith(app, restError);

  app.get('/healthz', { schema: { hide: true } }, async () => {
    await deps.core.health();
    return { status: 'ok' };
  });
  app.get('/metrics', { schema: { hide: true }, preHandler: scrapeGuard(config.metricsToken) }, async (_req, reply) => {
    reply.header('Content-Type', metrics.contentType);
    return metrics.render();
  });

  for (const dialect of dialects) await mountDialect(app, deps.core, dialect);
  return app;
}
