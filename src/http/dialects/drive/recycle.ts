import { paramsOf } from '../../shared/params.js';
import type { TableRoute } from '../../shared/route-table.js';
import { succeeded } from './outcomes.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { ItemIds, ProjectId } from './params.js';


/** The recycle bin of a project. */
export const recycleRoutes = (d: Drive): TableRoute[] => [
  {
    method: 'GET',
    url: '/recycle/list',
    tags: ['recycle'],
    summary: 'Items in the recycle bin (回收站-获取回收站文件项列表)',
    params: [ProjectId],
    async handler(req) {
      return ok(await d.items(await d.core.trash.list(req.actor, ProjectId.read(paramsOf(req)))));
    },
  },
  {
    method: 'POST',
    url: '/recycle/reduction',
    tags: ['recycle'],
    summary: 'Restore items from the recycle bin (batch) (回收站-还原回收站文件项（批量）)',
    params: [ItemIds],
    async handler(req) {
      return ok(succeeded(await d.core.trash.restoreMany(req.actor, ItemIds.read(paramsOf(req)))));
    },
  },
  {
    method: 'POST',
    url: '/recycle/clear',
    tags: ['recycle'],
    summary: 'Empty the recycle bin (回收站-清空回收站)',
    params: [ProjectId],
    async handler(req) {
      await d.core.trash.clear(req.actor, ProjectId.read(paramsOf(req)));
      return ok(null);
    },
  },
];
