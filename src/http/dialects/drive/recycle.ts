import type { FastifyPluginAsync } from 'fastify';
import { toObjectId } from '../../../core/ids.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { objectId, objectIds, paramsOf } from './params.js';

/** The recycle bin of a project. */
export const recycleRoutes =
  (d: Drive): FastifyPluginAsync =>
  async (app) => {
    app.get('/recycle/list', async (req) => {
      const p = paramsOf(req);
      const actor = await d.actor(req, p);
      return ok(await d.items(await d.core.trash.list(actor, objectId(p, 'ProjectId'))));
    });

    app.post('/recycle/reduction', async (req) => {
      const p = paramsOf(req);
      const actor = await d.actor(req, p);
      const restored: string[] = [];
      for (const id of objectIds(p, 'ItemIds')) {
        await d.core.trash.restore(actor, id);
        restored.push(toObjectId(id));
      }
      return ok(restored);
    });

    app.post('/recycle/clear', async (req) => {
      const p = paramsOf(req);
      const actor = await d.actor(req, p);
      await d.core.trash.clear(actor, objectId(p, 'ProjectId'));
      return ok(null);
    });
  };
