import type { FastifyPluginAsync } from 'fastify';
import { badRequest, type Favorite } from '../../../core/index.js';
import { objectIdCodec, toObjectId } from '../../shared/ids.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { idOf, json, paramsOf } from '../../shared/params.js';
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
      const projectId = idOf(p, 'ProjectId', objectIdCodec);
      await d.core.spaces.get(req.actor, projectId);
      return ok((await d.core.favorites.list(req.actor, projectId)).map(driveFavorite));
    });

    app.post('/favorite/add', async (req) => {
      const p = paramsOf(req);
      const data = json<unknown>(p, 'Data');
      if (!Array.isArray(data)) throw badRequest('Data must be an array of {ItemId, Tags}', { field: 'Data' });
      const entries = data.map((e, i) => {
        if (!e || typeof e !== 'object') throw badRequest(`Data[${i}] must be an object`, { index: i });
        return { itemId: idOf(e as Record<string, unknown>, 'ItemId', objectIdCodec), tags: (e as { Tags?: unknown }).Tags };
      });
      return ok((await d.core.favorites.add(req.actor, entries)).map(driveFavorite));
    });

    app.post('/favorite/delete', async (req) => {
      const p = paramsOf(req);
      await d.core.favorites.remove(req.actor, idOf(p, 'Id', objectIdCodec));
      return ok(null);
    });
  };
