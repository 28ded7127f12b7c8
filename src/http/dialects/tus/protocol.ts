import type { FastifyInstance, FastifyReply, onRequestHookHandler } from 'fastify';
import type { KuraConfig } from '../../../config.js';
import { CHECKSUM_ALGORITHMS } from '../../../core/index.js';
import { ALLOWED_HEADERS, EXPOSED_HEADERS, TUS_EXTENSIONS, TUS_VERSION } from './headers.js';

/** The discovery answer (OPTIONS): version, extensions, the size limit, checksum algorithms. */
export function tusOptions(reply: FastifyReply, config: KuraConfig): FastifyReply {
  return reply
    .header('Tus-Version', TUS_VERSION)
    .header('Tus-Extension', TUS_EXTENSIONS.join(','))
    .header('Tus-Max-Size', String(config.uploadMaxBytes))
    .header('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','));
}

/**
 * Every tus request: CORS for the allowed origins (the tus headers exposed; preflights
 * answered here, before any credential is looked at), `Tus-Resumable` on every answer, and
 * 412 for a request that speaks another protocol version.
 */
export function installTusHooks(app: FastifyInstance, config: KuraConfig): void {
  const any = config.corsOrigins.includes('*');
  const allowed = new Set(config.corsOrigins);
  const hook: onRequestHookHandler = (req, reply, done) => {
    const origin = req.headers.origin;
    if (origin !== undefined && (any || allowed.has(origin))) {
      reply.header('Access-Control-Allow-Origin', any ? '*' : origin);
      if (!any) reply.header('Vary', 'Origin');
      reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        reply.header('Access-Control-Allow-Methods', 'POST, HEAD, PATCH, DELETE, OPTIONS');
        reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
        reply.header('Access-Control-Max-Age', '86400');
      }
    }
    reply.header('Tus-Resumable', TUS_VERSION);
    if (req.method === 'OPTIONS') return done();
    const version = req.headers['tus-resumable'];
    if (version !== TUS_VERSION) {
      req.raw.resume();
      void reply
        .code(412)
        .header('Tus-Version', TUS_VERSION)
        .send({ error: { code: 'precondition_failed', message: `Tus-Resumable must be ${TUS_VERSION}${version === undefined ? '' : `, not ${String(version).slice(0, 50)}`}` } });
      return;
    }
    done();
  };
  app.addHook('onRequest', hook);
}
