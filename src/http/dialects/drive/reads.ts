import type { FastifyPluginAsync } from 'fastify';
import { compileFilter, type Filter, type Item, KuraError, type TreeNode } from '../../../core/index.js';
import { objectIdCodec, toObjectId } from '../../shared/ids.js';
import { DRIVE_SEARCH_FIELDS } from './search.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { bool, idOf, idsOf, json, paramsOf } from '../../shared/params.js';
import { ITEM_FIELDS, projector } from './render.js';

type ListParams = { Search?: unknown; Map?: unknown };

/** `ListParams`: `Search` (RSQL over the drive's property names) and `Map`. */
function listParams(p: Record<string, unknown>): { filter?: Filter; map: ReturnType<typeof projector> } {
  const lp = json<ListParams>(p, 'ListParams', { optional: true }) ?? {};
  if (typeof lp !== 'object' || Array.isArray(lp)) throw new KuraError('bad_request', 'ListParams must be a JSON object {Search, Map}', { field: 'ListParams' });
  let filter: Filter | undefined;
  if (lp.Search !== undefined && lp.Search !== null && lp.Search !== '') {
    if (typeof lp.Search !== 'string') throw new KuraError('bad_request', 'ListParams.Search must be a string', { field: 'ListParams.Search' });
    filter = compileFilter(lp.Search, DRIVE_SEARCH_FIELDS, 'ListParams.Search');
  }
  return { filter, map: projector(lp.Map, ITEM_FIELDS) };
}

/** Reading endpoints: project folder, parent, ancestors, children, info, exist. */
export const readRoutes =
  (d: Drive): FastifyPluginAsync =>
  async (app) => {
    app.get('/project_folder', async (req) => {
      const p = paramsOf(req);
      const space = await d.core.spaces.get(req.actor, idOf(p, 'ProjectId', objectIdCodec)).catch((e) => {
        throw e instanceof KuraError && e.code === 'not_found' ? new KuraError('not_found', 'project not found') : e;
      });
      const [root] = await d.items([await d.core.items.get(req.actor, space.rootId)]);
      return ok(root);
    });

    app.get('/parent', async (req) => {
      const p = paramsOf(req);
      const item = await d.core.items.get(req.actor, idOf(p, 'ItemId', objectIdCodec));
      if (item.parentId === null) return ok(null);
      const [parent] = await d.items([await d.core.items.get(req.actor, item.parentId)]);
      return ok(parent);
    });

    app.get('/ancestors', async (req) => {
      const p = paramsOf(req);
      const map = projector(json(p, 'Map', { optional: true }), ITEM_FIELDS);
      const list = await d.core.items.ancestors(req.actor, idOf(p, 'ItemId', objectIdCodec));
      return ok((await d.items(list)).map(map));
    });

    app.get('/children', async (req) => {
      const p = paramsOf(req);
      const { filter, map } = listParams(p);
      const list = await d.core.items.allChildren(req.actor, idOf(p, 'FolderId', objectIdCodec), { filter });
      return ok((await d.items(list)).map(map));
    });

    app.get('/descendants', async (req) => {
      const p = paramsOf(req);
      const { filter, map } = listParams(p);
      const tree = await d.core.items.descendants(req.actor, idOf(p, 'FolderId', objectIdCodec), { files: bool(p, 'ContainsFile', true), filter });
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
    });

    app.get('/info', async (req) => {
      const p = paramsOf(req);
      const ids = idsOf(p, 'ItemIds', objectIdCodec);
      const map = projector(json(p, 'Map', { optional: true }), ITEM_FIELDS);
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
    });

    app.get('/exist', async (req) => {
      const p = paramsOf(req);
      const id = idOf(p, 'ItemId', objectIdCodec);
      try {
        await d.core.items.get(req.actor, id);
        return ok(true);
      } catch (e) {
        if (e instanceof KuraError && e.code === 'not_found') return ok(false);
        throw e;
      }
    });
  };
