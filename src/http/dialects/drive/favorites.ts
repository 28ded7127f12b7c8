import { badRequest, type Favorite } from '../../../core/index.js';
import { objectIdCodec, toObjectId } from '../../shared/ids.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { ProjectId } from './params.js';
import { param } from '../../shared/param-readers.js';
import { idOf, paramsOf } from '../../shared/params.js';
import type { TableRoute } from '../../shared/route-table.js';
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

const Data = param.json('Data', '收藏信息');
const Id = param.id('Id', objectIdCodec, 'ObjectId', '收藏Id');

/** Favourites with tags. */
export const favoriteRoutes = (d: Drive): TableRoute[] => [
  {
    method: 'GET',
    url: '/favorite/list',
    tags: ['favorites'],
    summary: 'Favourite files (收藏-收藏文件列表)',
    params: [ProjectId],
    async handler(req) {
      const projectId = ProjectId.read(paramsOf(req));
      await d.core.spaces.get(req.actor, projectId);
      return ok((await d.core.favorites.list(req.actor, projectId)).map(driveFavorite));
    },
  },
  {
    method: 'POST',
    url: '/favorite/add',
    tags: ['favorites'],
    summary: 'Add files to the favourites (batch) (收藏-添加文件到收藏(批量))',
    params: [Data],
    async handler(req) {
      const data = Data.read(paramsOf(req));
      if (!Array.isArray(data)) throw badRequest('Data must be an array of {ItemId, Tags}', { field: 'Data' });
      const entries = data.map((e, i) => {
        if (!e || typeof e !== 'object') throw badRequest(`Data[${i}] must be an object`, { index: i });
        return { itemId: idOf(e as Record<string, unknown>, 'ItemId', objectIdCodec), tags: (e as { Tags?: unknown }).Tags };
      });
      return ok((await d.core.favorites.add(req.actor, entries)).map(driveFavorite));
    },
  },
  {
    method: 'POST',
    url: '/favorite/delete',
    tags: ['favorites'],
    summary: 'Remove a favourite (收藏-移除收藏文件)',
    params: [Id],
    async handler(req) {
      await d.core.favorites.remove(req.actor, Id.read(paramsOf(req)));
      return ok(null);
    },
  },
];
