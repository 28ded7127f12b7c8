import type { FastifyPluginAsync } from 'fastify';
import { type Actor, badRequest, type Item, type Space } from '../../../core/index.js';
import { int, type Params } from '../../shared/params.js';
import type { OneBot } from './context.js';
import { createdFolder, deletedFile, deletedFolder, fileOut, fileSystemInfo, folderOut } from './render.js';
import { action, text } from './transport.js';

/** Most entries one listing answers (QQ's own group file limit is 10,000 files). */
export const LIST_CAP = 10_000;
const PAGE = 1000;

/** Children of one kind (what exists: the core leaves out expired files), page by page, up to `max`. */
async function childrenOf(o: OneBot, actor: Actor, folderId: number, kind: 'file' | 'folder', max: number): Promise<Item[]> {
  const out: Item[] = [];
  for (let offset = 0; out.length < max; offset += PAGE) {
    const page = await o.core.items.children(actor, folderId, { kind, limit: Math.min(PAGE, max - out.length), offset });
    out.push(...page.items);
    if (page.items.length < PAGE) break;
  }
  return out;
}

/** A folder's files and folders as the spec's File and Folder objects. */
async function listing(o: OneBot, actor: Actor, group: Space, folderId: number, p: Params) {
  const fileCount = int(p, 'file_count', LIST_CAP);
  if (fileCount < 0) throw badRequest('file_count must be ≥ 0', { field: 'file_count' });
  const [folders, files] = await Promise.all([childrenOf(o, actor, folderId, 'folder', LIST_CAP), childrenOf(o, actor, folderId, 'file', Math.min(fileCount, LIST_CAP))]);
  const counts = await Promise.all(folders.map(async (f) => (await o.core.items.children(actor, f.id, { kind: 'file', limit: 1 })).total));
  const users = await o.core.users.many([...files.map((f) => f.createdBy), ...folders.map((f) => f.createdBy)]);
  return {
    files: files.map((f) => fileOut(group.id, f, users)),
    folders: folders.map((f, i) => folderOut(group.id, f, users, counts[i])),
  };
}

/** Group file system: information, listings, download URLs, folders, delete, move, rename. */
export const groupRoutes =
  (o: OneBot): FastifyPluginAsync =>
  async (app) => {
    action(app, 'get_group_file_system_info', async (p, req) => fileSystemInfo(await o.group(req.actor, p)));

    action(app, 'get_group_root_files', async (p, req) => {
      const group = await o.group(req.actor, p);
      return listing(o, req.actor, group, group.rootId, p);
    });

    action(app, 'get_group_files_by_folder', async (p, req) => {
      const group = await o.group(req.actor, p);
      const raw = text(p, 'folder_id') ?? text(p, 'folder');
      return listing(o, req.actor, group, await o.folderIn(req.actor, group, raw, text(p, 'folder_id') !== undefined ? 'folder_id' : 'folder'), p);
    });

    action(app, 'get_group_file_url', async (p, req) => {
      const group = await o.group(req.actor, p);
      const file = await o.fileIn(req.actor, group, p);
      return { url: o.linkUrl(await o.core.links.sign(req.actor, file.id)) };
    });

    action(app, 'delete_group_file', async (p, req) => {
      const group = await o.group(req.actor, p);
      const file = await o.fileIn(req.actor, group, p);
      await o.core.changes.destroy(req.actor, file.id);
      return deletedFile(String(file.id));
    });

    action(app, 'create_group_file_folder', async (p, req) => {
      const group = await o.group(req.actor, p);
      const name = text(p, 'name') ?? text(p, 'folder_name');
      if (name === undefined) throw badRequest('name (or folder_name) is required', { field: 'name' });
      const parentField = text(p, 'parent_id') !== undefined ? 'parent_id' : 'folder_id';
      const parent = await o.folderIn(req.actor, group, text(p, parentField), parentField);
      const folder = await o.core.changes.createFolder(req.actor, parent, name, { onConflict: 'fail' });
      return createdFolder(group.id, folder, await o.core.users.many([folder.createdBy]));
    });

    const deleteFolder = async (p: Params, actor: Actor) => {
      const group = await o.group(actor, p);
      const raw = text(p, 'folder_id');
      if (raw === undefined) throw badRequest('folder_id is required', { field: 'folder_id' });
      const id = await o.folderIn(actor, group, raw, 'folder_id');
      if (id === group.rootId) throw badRequest('the root folder of a group cannot be deleted', { field: 'folder_id' });
      await o.core.changes.destroy(actor, id);
      return deletedFolder();
    };
    action(app, 'delete_group_folder', (p, req) => deleteFolder(p, req.actor));
    // Lagrange's name for the same action.
    action(app, 'delete_group_file_folder', (p, req) => deleteFolder(p, req.actor));

    action(app, 'move_group_file', async (p, req) => {
      const group = await o.group(req.actor, p);
      const file = await o.fileIn(req.actor, group, p);
      // NapCat names the destination target_parent_directory.
      const field = text(p, 'folder_id') !== undefined ? 'folder_id' : 'target_parent_directory';
      const raw = text(p, field);
      if (raw === undefined) throw badRequest('folder_id is required ("/" for the root folder)', { field: 'folder_id' });
      const dest = await o.folderIn(req.actor, group, raw, field);
      if (dest !== file.parentId) await o.core.changes.move(req.actor, file.id, dest, { onConflict: 'rename' });
      return { success: true };
    });

    action(app, 'rename_group_file_folder', async (p, req) => {
      const group = await o.group(req.actor, p);
      const raw = text(p, 'folder_id');
      if (raw === undefined) throw badRequest('folder_id is required', { field: 'folder_id' });
      const id = await o.folderIn(req.actor, group, raw, 'folder_id');
      if (id === group.rootId) throw badRequest('the root folder of a group cannot be renamed', { field: 'folder_id' });
      const name = text(p, 'new_name');
      if (name === undefined) throw badRequest('new_name is required', { field: 'new_name' });
      await o.core.changes.update(req.actor, id, { name });
      return { success: true };
    });
  };
