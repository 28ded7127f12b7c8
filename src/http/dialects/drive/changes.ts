import type { FastifyPluginAsync } from 'fastify';
import type { Actor } from '../../../core/actor.js';
import { badRequest, KuraError } from '../../../core/errors.js';
import { objectIdCodec, toObjectId } from '../../shared/ids.js';
import type { FolderTree } from '../../../core/items/changes.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { idOf, idsOf, int, json, paramsOf, str } from '../../shared/params.js';

const treeOut = (t: FolderTree): Record<string, unknown> => ({ _id: toObjectId(t.id), Name: t.name, Children: t.children.map(treeOut) });

/**
 * Runs `fn` on each id in order and answers the ids it succeeded for. Items the caller may
 * not see or change are skipped; if none succeeds, the first such error is the answer.
 */
async function each(ids: number[], fn: (id: number) => Promise<unknown>): Promise<string[]> {
  const done: string[] = [];
  let first: unknown;
  for (const id of ids) {
    try {
      await fn(id);
      done.push(toObjectId(id));
    } catch (e) {
      if (!(e instanceof KuraError) || !['not_found', 'forbidden', 'name_conflict', 'conflict', 'bad_request'].includes(e.code)) throw e;
      first ??= e;
    }
  }
  if (done.length === 0 && first) throw first;
  return done;
}

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

async function updateOne(d: Drive, actor: Actor, info: Record<string, unknown>): Promise<void> {
  const id = idOf(info, '_id', objectIdCodec);
  const patch: Record<string, unknown> = {};
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
  await d.core.changes.update(actor, id, patch);
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
      return ok(await each(idsOf(p, 'ItemIds', objectIdCodec), (id) => d.core.changes.trash(req.actor, id)));
    });

    app.post('/update_items', async (req) => {
      const p = paramsOf(req);
      const data = json<{ UpdateInfos?: unknown }>(p, 'Data');
      const infos = data?.UpdateInfos;
      if (!Array.isArray(infos) || infos.length === 0 || infos.length > 1000) throw badRequest('Data.UpdateInfos must be an array of 1 to 1000 objects with _id', { field: 'Data' });
      const ids: number[] = [];
      const byId = new Map<number, Record<string, unknown>>();
      infos.forEach((info, i) => {
        if (!info || typeof info !== 'object') throw badRequest(`UpdateInfos[${i}] must be an object`, { index: i });
        const id = idOf(info as Record<string, unknown>, '_id', objectIdCodec);
        ids.push(id);
        byId.set(id, info as Record<string, unknown>);
      });
      return ok(await each(ids, (id) => updateOne(d, req.actor, byId.get(id)!)));
    });

    app.post('/move_items', async (req) => {
      const p = paramsOf(req);
      const dest = idOf(p, 'DestFolderId', objectIdCodec);
      const ids = idsOf(p, 'ItemIds', objectIdCodec);
      for (const id of ids) await d.core.changes.move(req.actor, id, dest, { onConflict: 'rename' });
      return ok(null);
    });

    app.post('/copy_items', async (req) => {
      const p = paramsOf(req);
      const dest = idOf(p, 'DestFolderId', objectIdCodec);
      const ids = idsOf(p, 'ItemIds', objectIdCodec);
      for (const id of ids) await d.core.changes.copy(req.actor, id, dest, { onConflict: 'rename' });
      return ok(null);
    });

    app.post('/update_permission', async (req) => {
      const p = paramsOf(req);
      const data = json<unknown>(p, 'Data');
      if (!Array.isArray(data) || data.length === 0 || data.length > 1000) throw badRequest('Data must be an array of 1 to 1000 permission entries', { field: 'Data' });
      for (const [i, raw] of data.entries()) {
        if (!raw || typeof raw !== 'object') throw badRequest(`Data[${i}] must be an object`, { index: i });
        const e = raw as Record<string, unknown>;
        const op = e.Operation;
        if (op === 1) {
          await d.core.acl.add(req.actor, idOf(e, 'ItemId', objectIdCodec), { actorType: e.ActorType, actorId: idOf(e, 'ActorId', objectIdCodec), mask: e.AccessType });
        } else if (op === 2) {
          await d.core.acl.modify(req.actor, idOf(e, '_id', objectIdCodec), e.AccessType);
        } else if (op === 3) {
          await d.core.acl.remove(req.actor, idOf(e, '_id', objectIdCodec));
        } else {
          throw badRequest(`Data[${i}].Operation must be 1 (add), 2 (modify) or 3 (delete)`, { index: i });
        }
      }
      return ok(null);
    });
  };
