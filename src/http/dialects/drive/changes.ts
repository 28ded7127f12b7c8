import { type AclChange, badRequest, type FolderTree, type MetaPatch } from '../../../core/index.js';
import { objectIdCodec, toObjectId } from '../../shared/ids.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { ItemIds, ParentId } from './params.js';
import { succeeded } from './outcomes.js';
import { param } from '../../shared/param-readers.js';
import { idOf, paramsOf } from '../../shared/params.js';
import type { TableRoute } from '../../shared/route-table.js';

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

const TreeData = param.json<Record<string, unknown>>('Data', '文件夹树信息');
const UpdateData = param.json<{ UpdateInfos?: unknown }>('Data', '更新项信息集合');
const PermissionData = param.json('Data', '更新的权限信息集合');
const DestFolderId = param.id('DestFolderId', objectIdCodec, 'ObjectId', '目标文件夹Id（移动到此目录）');
const FolderName = param.str('FolderName', '文件夹名（不包含路径）');
const ItemType = param.int('ItemType', '文件项类型：0-普通；1-系统项，默认为0', { default: 0 });

/** Folders, batch delete / update / move / copy, and permissions. */
export const changeRoutes = (d: Drive): TableRoute[] => [
  {
    method: 'POST',
    url: '/create_folder',
    tags: ['folders'],
    summary: 'Create a folder (文件-创建文件夹)',
    params: [FolderName, ParentId, ItemType],
    async handler(req) {
      const p = paramsOf(req);
      const itemType = ItemType.read(p);
      if (itemType !== 0 && itemType !== 1) throw badRequest('ItemType must be 0 or 1', { field: 'ItemType' });
      const folder = await d.core.changes.createFolder(req.actor, ParentId.read(p), FolderName.read(p), { onConflict: 'fail', system: itemType === 1 });
      return ok((await d.items([folder]))[0]);
    },
  },
  {
    method: 'POST',
    url: '/create_folder_tree',
    tags: ['folders'],
    summary: 'Create a folder tree (all or nothing) (文件-创建文件目录树)',
    params: [TreeData],
    async handler(req) {
      const p = paramsOf(req);
      const data = TreeData.read(p);
      if (!data || typeof data !== 'object' || Array.isArray(data)) throw badRequest('Data must be a JSON object {ParentId, Name, Children}', { field: 'Data' });
      const tree = await d.core.changes.createTree(req.actor, idOf(data, 'ParentId', objectIdCodec), data);
      return ok(treeOut(tree));
    },
  },
  {
    method: 'POST',
    url: '/delete_items',
    tags: ['items'],
    summary: 'Delete items to the recycle bin (batch) (文件-删除文件项（批量）)',
    params: [ItemIds],
    async handler(req) {
      const p = paramsOf(req);
      return ok(succeeded(await d.core.changes.trashMany(req.actor, ItemIds.read(p))));
    },
  },
  {
    method: 'POST',
    url: '/update_items',
    tags: ['items'],
    summary: 'Update items (batch) (文件-更新文件项（批量）)',
    params: [UpdateData],
    async handler(req) {
      const p = paramsOf(req);
      const data = UpdateData.read(p);
      const infos = data?.UpdateInfos;
      if (!Array.isArray(infos) || infos.length === 0 || infos.length > 1000) throw badRequest('Data.UpdateInfos must be an array of 1 to 1000 objects with _id', { field: 'Data' });
      const patches = infos.map((info, i) => {
        if (!info || typeof info !== 'object') throw badRequest(`UpdateInfos[${i}] must be an object`, { index: i });
        return patchOf(info as Record<string, unknown>);
      });
      return ok(succeeded(await d.core.changes.updateMany(req.actor, patches)));
    },
  },
  {
    method: 'POST',
    url: '/move_items',
    tags: ['items'],
    summary: 'Move items (batch, all or nothing) (文件-移动文件项（批量）)',
    params: [DestFolderId, ItemIds],
    async handler(req) {
      const p = paramsOf(req);
      const dest = DestFolderId.read(p);
      const ids = ItemIds.read(p);
      await d.core.changes.moveMany(req.actor, ids, dest, { onConflict: 'rename' });
      return ok(null);
    },
  },
  {
    method: 'POST',
    url: '/copy_items',
    tags: ['items'],
    summary: 'Copy items (batch, all or nothing) (文件-复制文件项（批量）)',
    params: [DestFolderId, ItemIds],
    async handler(req) {
      const p = paramsOf(req);
      const dest = DestFolderId.read(p);
      const ids = ItemIds.read(p);
      await d.core.changes.copyMany(req.actor, ids, dest, { onConflict: 'rename' });
      return ok(null);
    },
  },
  {
    method: 'POST',
    url: '/update_permission',
    tags: ['items'],
    summary: 'Update access entries (文件-更新权限信息)',
    params: [PermissionData],
    async handler(req) {
      const p = paramsOf(req);
      const data = PermissionData.read(p);
      if (!Array.isArray(data) || data.length === 0 || data.length > 1000) throw badRequest('Data must be an array of 1 to 1000 permission entries', { field: 'Data' });
      await d.core.acl.apply(req.actor, data.map(aclChange));
      return ok(null);
    },
  },
];
