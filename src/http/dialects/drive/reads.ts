import { compileFilter, type Filter, type Item, KuraError, type TreeNode } from '../../../core/index.js';
import { objectIdCodec, toObjectId } from '../../shared/ids.js';
import { DRIVE_SEARCH_FIELDS } from './search.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { ItemIds, ProjectId } from './params.js';
import { param } from '../../shared/param-readers.js';
import { type Params, paramsOf } from '../../shared/params.js';
import type { TableRoute } from '../../shared/route-table.js';
import { ITEM_FIELDS, projector } from './render.js';

const ItemId = param.id('ItemId', objectIdCodec, 'ObjectId', '文件项Id');
const FolderId = param.id('FolderId', objectIdCodec, 'ObjectId', '文件夹Id');
const MapParam = param.json('Map', '返回的属性映射数组', { optional: true });
const ListParams = param.json<{ Search?: unknown; Map?: unknown }>('ListParams', '集合的筛选、映射参数', { optional: true });
const ContainsFile = param.bool('ContainsFile', '是否包含文件（默认为true）', true);

/** `ListParams`: `Search` (RSQL over the drive's property names) and `Map`. */
function listParams(p: Params): { filter?: Filter; map: ReturnType<typeof projector> } {
  const lp = ListParams.read(p) ?? {};
  if (typeof lp !== 'object' || Array.isArray(lp)) throw new KuraError('bad_request', 'ListParams must be a JSON object {Search, Map}', { field: 'ListParams' });
  let filter: Filter | undefined;
  if (lp.Search !== undefined && lp.Search !== null && lp.Search !== '') {
    if (typeof lp.Search !== 'string') throw new KuraError('bad_request', 'ListParams.Search must be a string', { field: 'ListParams.Search' });
    filter = compileFilter(lp.Search, DRIVE_SEARCH_FIELDS, 'ListParams.Search');
  }
  return { filter, map: projector(lp.Map, ITEM_FIELDS) };
}

/** Reading endpoints: project folder, parent, ancestors, children, info, exist. */
export const readRoutes = (d: Drive): TableRoute[] => [
  {
    method: 'GET',
    url: '/project_folder',
    tags: ['folders'],
    summary: "A project's root folder (文件-获取项目文件夹)",
    params: [ProjectId],
    async handler(req) {
      const p = paramsOf(req);
      const space = await d.core.spaces.get(req.actor, ProjectId.read(p)).catch((e) => {
        throw e instanceof KuraError && e.code === 'not_found' ? new KuraError('not_found', 'project not found') : e;
      });
      const [root] = await d.items([await d.core.items.get(req.actor, space.rootId)]);
      return ok(root);
    },
  },
  {
    method: 'GET',
    url: '/parent',
    tags: ['folders'],
    summary: "An item's parent folder (文件-获取父文件夹)",
    params: [ItemId],
    async handler(req) {
      const p = paramsOf(req);
      const item = await d.core.items.get(req.actor, ItemId.read(p));
      if (item.parentId === null) return ok(null);
      const [parent] = await d.items([await d.core.items.get(req.actor, item.parentId)]);
      return ok(parent);
    },
  },
  {
    method: 'GET',
    url: '/ancestors',
    tags: ['folders'],
    summary: "An item's ancestors (map) (文件-获取文件项所有父项（映射）)",
    params: [ItemId, MapParam],
    async handler(req) {
      const p = paramsOf(req);
      const map = projector(MapParam.read(p), ITEM_FIELDS);
      const list = await d.core.items.ancestors(req.actor, ItemId.read(p));
      return ok((await d.items(list)).map(map));
    },
  },
  {
    method: 'GET',
    url: '/children',
    tags: ['folders'],
    summary: "A folder's children (filter, map) (文件-获取文件夹子项（筛选、映射）)",
    params: [FolderId, ListParams],
    async handler(req) {
      const p = paramsOf(req);
      const { filter, map } = listParams(p);
      const list = await d.core.items.allChildren(req.actor, FolderId.read(p), { filter });
      return ok((await d.items(list)).map(map));
    },
  },
  {
    method: 'GET',
    url: '/descendants',
    tags: ['folders'],
    summary: 'Everything below a folder (filter, map) (文件-获取文件夹下所有子项（筛选、映射）)',
    params: [FolderId, ContainsFile, ListParams],
    async handler(req) {
      const p = paramsOf(req);
      const { filter, map } = listParams(p);
      const tree = await d.core.items.descendants(req.actor, FolderId.read(p), { files: ContainsFile.read(p), filter });
      const flat: Item[] = [];
      const collect = (ns: TreeNode[]) => ns.forEach((n) => (flat.push(n), collect(n.children)));
      collect(tree);
      const rendered = new Map((await d.items(flat)).map((r, i) => [flat[i].id, r]));
      const render = (ns: TreeNode[]): Record<string, unknown>[] =>
        ns.map((n) => {
          const o = rendered.get(n.id)!;
          o.Children = render(n.children);
          return map(o);
        });
      return ok(render(tree));
    },
  },
  {
    method: 'GET',
    url: '/info',
    tags: ['items'],
    summary: 'Details of several items (batch, map) (文件-获取多个文件项的详细信息（批量、映射）)',
    params: [ItemIds, MapParam],
    async handler(req) {
      const p = paramsOf(req);
      const ids = ItemIds.read(p);
      const map = projector(MapParam.read(p), ITEM_FIELDS);
      const items = await Promise.all(ids.map((id) => d.core.items.get(req.actor, id)));
      const rendered = await d.items(items);
      const out = [];
      for (let i = 0; i < items.length; i++) {
        const it = items[i];
        const extra: Record<string, unknown> = {
          AccessInfo: (await d.core.acl.list(req.actor, it.id)).map((e) => ({ _id: toObjectId(e.id), ActorType: e.actorType, ActorId: toObjectId(e.actorId), AccessType: e.mask })),
          Properties: Object.entries(it.properties).map(([k, v]) => ({ [k]: v })),
        };
        if (it.kind === 'file') {
          extra.History = (await d.core.items.versions(req.actor, it.id)).map((v) => ({
            Version: v.number - 1,
            FsId: v.sha256,
            UpdateDate: `/Date(${v.createdAt})/`,
            UpdateUserId: toObjectId(v.createdBy),
          }));
        }
        out.push(map({ ...rendered[i], ...extra }));
      }
      return ok(out);
    },
  },
  {
    method: 'GET',
    url: '/exist',
    tags: ['items'],
    summary: 'Whether an item exists (文件-查找文件项是否存在)',
    params: [ItemId],
    async handler(req) {
      const p = paramsOf(req);
      const id = ItemId.read(p);
      try {
        await d.core.items.get(req.actor, id);
        return ok(true);
      } catch (e) {
        if (e instanceof KuraError && e.code === 'not_found') return ok(false);
        throw e;
      }
    },
  },
];
