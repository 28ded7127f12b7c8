import type { FastifyPluginAsync } from 'fastify';
import { badRequest } from '../../../core/errors.js';
import type { Favorite } from '../../../core/favorites/service.js';
import { toObjectId } from '../../../core/ids.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { json, objectId, paramsOf } from './params.js';
import { driveDate } from './render.js';

const driveFavorite = (f: Favorite) => ({
  _id: toObjectId(f.id),
  FileId: toObjectId(f.itemId),
  FileName: f.itemName,
  ProjectId: toObjectId(f.spaceId),
  UserId: toObjectId(f.userId),
  CreateTime: driveDate(f.createdAt),
  Tags: f.tags,
});

/** Favourites with tags. */
export const favoriteRoutes =
  (d: Drive): FastifyPluginAsync =>
  async (app) => {
    app.get('/favorite/list', async (req) => {
      const p = paramsOf(req);
      const actor = await d.actor(req, p);
      const projectId = objectId(p, 'ProjectId');
      await d.core.spaces.get(actor, projectId);
      return ok((await d.core.favorites.list(actor, projectId)).map(driveFavorite));
    });

    app.post('/favorite/add', async (req) => {
      const p = paramsOf(req);
      const actor = await d.actor(req, p);
      const data = json<unknown>(p, 'Data');
      if (!Array.isArray(data)) throw badRequest('Data must be an array of {ItemId, Tags}', { field: 'Data' });
      const entries = data.map((e, i) => {
        if (!e || typeof e !== 'object') throw badRequest(`Data[${i}] must be an object`, { index: i });
        return { itemId: objectId(e as Record<string, unknown>, 'ItemId'), tags: (e as { Tags?: unknown }).Tags };
      });
      return ok((await d.core.favorites.add(actor, entries)).map(driveFavorite));
    });

    app.post('/favorite/delete', async (req) => {
      const p = paramsOf(req);
      const actor = await d.actor(req, p);
      await d.core.favorites.remove(actor, objectId(p, 'Id'));
      return ok(null);
    });
  };
