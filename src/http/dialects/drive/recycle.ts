import type { FastifyPluginAsync } from 'fastify';
import { objectIdCodec } from '../../shared/ids.js';
import { succeeded } from './outcomes.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { idOf, idsOf, paramsOf } from '../../shared/params.js';

/** The recycle bin of a project. */
export const recycleRoutes =
  (d: Drive): FastifyPluginAsync =>
  async (app) => {
    app.get('/recycle/list', async (req) => {
      const p = paramsOf(req);
      return ok(await d.items(await d.core.trash.list(req.actor, idOf(p, 'ProjectId', objectIdCodec))));
    });

    app.post('/recycle/reduction', async (req) => {
      const p = paramsOf(req);
      return ok(succeeded(await d.core.trash.restoreMany(req.actor, idsOf(p, 'ItemIds', objectIdCodec))));
    });

    app.post('/recycle/clear', async (req) => {
      const p = paramsOf(req);
      await d.core.trash.clear(req.actor, idOf(p, 'ProjectId', objectIdCodec));
      return ok(null);
    });
  };
