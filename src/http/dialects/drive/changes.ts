import type { FastifyPluginAsync } from 'fastify';
import { type AclChange, badRequest, type FolderTree, type MetaPatch } from '../../../core/index.js';
import { objectIdCodec, toObjectId } from '../../shared/ids.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { succeeded } from './outcomes.js';
import { idOf, idsOf, int, json, paramsOf, str } from '../../shared/params.js';

const treeOut = (t: FolderTree): Record<string, unknown> => ({ _id: toObjectId(t.id), Name: t.name, Children: t.children.map(treeOut) });

/** Properties arrive as `[{"Name": "Value"}, …]`; the core keeps one JSON object. */
function properties(v: unknown): Record<string, unknown> {
  if (!Array.isArray(v)) throw badRequest('Properties must be an array of {"Name": "Value"} objects', { field: 'Properties' });
  const out: Record<string, unknown> = {};
  for (const p of v) {
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw badRequest('Properties must be an array of {"Name": "Value"} objects', { field: 'Properties' });
    Object.assign(out, p);
  }
  return out;
}

/** One entry of `UpdateInfos` as the core's patch; an unknown property is a 400 for the request. */
function patchOf(info: Record<string, unknown>): { id: number; patch: MetaPatch } {
  const id = idOf(info, '_id', objectIdCodec);
  const patch: MetaPatch = {};
  for (const key of Object.keys(info)) {
    if (key === '_id') continue;
    if (key === 'Name') patch.name = info.Name;
    else if (key === 'Description') patch.description = info.Description;
    else if (key === 'ItemType') {
      if (info.ItemType !== 0 && info.ItemType !== 1) throw badRequest('ItemType must be 0 or 1', { field: 'ItemType' });
      patch.system = info.ItemType === 1;
    } else if (key === 'Properties') patch.properties = properties(info.Properties);
    else throw badRequest(`UpdateInfos: "${key}" cannot be updated (Name, Description, ItemType, Properties)`, { field: key });
  }
  return { id, patch };
}

/** `update_permission` entries as the core's changes. */
function aclChange(raw: unknown, i: number): AclChange {
  if (!raw || typeof raw !== 'object') throw badRequest(`Data[${i}] must be an object`, { index: i });
  const e = raw as Record<string, unknown>;
  switch (e.Operation) {
    case 1:
      return { op: 'add', itemId: idOf(e, 'ItemId', objectIdCodec), actorType: e.ActorType, actorId: idOf(e, 'ActorId', objectIdCodec), mask: e.AccessType };
    case 2:
      return { op: 'modify', entryId: idOf(e, '_id', objectIdCodec), mask: e.AccessType };
    case 3:
      return { op: 'remove', entryId: idOf(e, '_id', objectIdCodec) };
    default:
      throw badRequest(`Data[${i}].Operation must be 1 (add), 2 (modify) or 3 (delete)`, { index: i });
  }
}

/** Folders, batch delete / update / move / copy, and permissions. */
export const changeRoutes =
  (d: Drive): FastifyPluginAsync =>
  async (app) => {
    app.post('/create_folder', async (req) => {
      const p = paramsOf(req);
      const itemType = int(p, 'ItemType', 0);
      if (itemType !== 0 && itemType !== 1) throw badRequest('ItemType must be 0 or 1', { field: 'ItemType' });
      const folder = await d.core.changes.createFolder(req.actor, idOf(p, 'ParentId', objectIdCodec), str(p, 'FolderName'), { onConflict: 'fail', system: itemType === 1 });
      return ok((await d.items([folder]))[0]);
    });

    app.post('/create_folder_tree', async (req) => {
      const p = paramsOf(req);
      const data = json<Record<string, unknown>>(p, 'Data');
      if (!data || typeof data !== 'object' || Array.isArray(data)) throw badRequest('Data must be a JSON object {ParentId, Name, Children}', { field: 'Data' });
      const tree = await d.core.changes.createTree(req.actor, idOf(data, 'ParentId', objectIdCodec), data);
      return ok(treeOut(tree));
    });

    app.post('/delete_items', async (req) => {
      const p = paramsOf(req);
      return ok(succeeded(await d.core.changes.trashMany(req.actor, idsOf(p, 'ItemIds', objectIdCodec))));
    });

    app.post('/update_items', async (req) => {
      const p = paramsOf(req);
      const data = json<{ UpdateInfos?: unknown }>(p, 'Data');
      const infos = data?.UpdateInfos;
      if (!Array.isArray(infos) || infos.length === 0 || infos.length > 1000) throw badRequest('Data.UpdateInfos must be an array of 1 to 1000 objects with _id', { field: 'Data' });
      const patches = infos.map((info, i) => {
        if (!info || typeof info !== 'object') throw badRequest(`UpdateInfos[${i}] must be an object`, { index: i });
        return patchOf(info as Record<string, unknown>);
      });
      return ok(succeeded(await d.core.changes.updateMany(req.actor, patches)));
    });

    app.post('/move_items', async (req) => {
      const p = paramsOf(req);
      const dest = idOf(p, 'DestFolderId', objectIdCodec);
      const ids = idsOf(p, 'ItemIds', objectIdCodec);
      await d.core.changes.moveMany(req.actor, ids, dest, { onConflict: 'rename' });
      return ok(null);
    });

    app.post('/copy_items', async (req) => {
      const p = paramsOf(req);
      const dest = idOf(p, 'DestFolderId', objectIdCodec);
      const ids = idsOf(p, 'ItemIds', objectIdCodec);
      await d.core.changes.copyMany(req.actor, ids, dest, { onConflict: 'rename' });
      return ok(null);
    });

    app.post('/update_permission', async (req) => {
      const p = paramsOf(req);
      const data = json<unknown>(p, 'Data');
      if (!Array.isArray(data) || data.length === 0 || data.length > 1000) throw badRequest('Data must be an array of 1 to 1000 permission entries', { field: 'Data' });
      await d.core.acl.apply(req.actor, data.map(aclChange));
      return ok(null);
    });
  };
