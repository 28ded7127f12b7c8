import type { FastifyPluginAsync } from 'fastify';
import type { KuraConfig } from '../../../config.js';
import type { Core } from '../../../core/index.js';
import { toKuraError } from '../../shared/errors.js';
import { changeRoutes } from './changes.js';
import { makeDrive } from './context.js';
import { renderError } from './envelope.js';
import { favoriteRoutes } from './favorites.js';
import { fileRoutes } from './files.js';
import { readRoutes } from './reads.js';
import { recycleRoutes } from './recycle.js';
import { sliceRoutes } from './slices.js';
import { shareRoutes } from './shares.js';

/** The `drive` dialect (spec 002), mounted at /v1/file. docs/drive.md has its decisions. */
export const driveApi =
  (core: Core, config: KuraConfig): FastifyPluginAsync =>
  async (app) => {
    app.setErrorHandler((err, req, reply) => {
      const e = toKuraError(err);
      if (e.status >= 500) req.log.error({ err }, 'request failed');
      if (!reply.sent) renderError(reply, e);
    });
    app.setNotFoundHandler((req, reply) => renderError(reply, toKuraError({ statusCode: 404, message: `no route ${req.method} ${req.url.split('?')[0]}` })));
    const d = makeDrive(core, config);
    await app.register(readRoutes(d));
    await app.register(fileRoutes(d));
    await app.register(sliceRoutes(d));
    await app.register(changeRoutes(d));
    await app.register(recycleRoutes(d));
    await app.register(favoriteRoutes(d));
    await app.register(shareRoutes(d));
  };
