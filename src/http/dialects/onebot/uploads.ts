import type { FastifyPluginAsync } from 'fastify';
import { acceptCategory, type Actor, badRequest, type Item, KuraError, Right, type UploadOptions } from '../../../core/index.js';
import { int, type Params, str } from '../../shared/params.js';
import { sendFile } from '../../shared/send-file.js';
import { ids, type OneBot } from './context.js';
import { DOWNLOAD_PATH } from './envelope.js';
import { action, type Admission, text } from './transport.js';

/** Folders Kura keeps in the caller's personal space for what OneBot sends outside groups. */
export const PRIVATE_FOLDER = 'OneBot private files';
export const IMAGE_FOLDER = 'OneBot images';

/** What a recipient may do with the private files sent to it. */
const RECIPIENT_RIGHTS = Right.READ_ATTRS | Right.LIST | Right.READ_CONTENT;

/** `dead_time` (Kura's extension on uploads): epoch seconds in the future, or 0 / absent for a permanent file. */
function deadTime(p: Params): number | null {
  const v = int(p, 'dead_time', 0);
  if (v === 0) return null;
  if (v < 0 || v * 1000 <= Date.now()) throw badRequest('dead_time must be a moment in the future (epoch seconds) or 0 for a permanent file', { field: 'dead_time' });
  return v * 1000;
}

/**
 * Records in `folderId` the bytes `file` names (core.uploads.uploadFrom: rights on the
 * folder checked before any byte is fetched or read). `accept` is a type rule judged before
 * anything is kept.
 */
function store(o: OneBot, actor: Actor, folderId: number, p: Params, opts: { name?: string; expiresAt?: number | null; fallback: string; accept?: UploadOptions['accept'] }): Promise<Item> {
  const fallback = `${opts.fallback}-${Date.now()}`;
  return o.core.uploads.uploadFrom(actor, folderId, str(p, 'file'), { name: opts.name, fallback, onConflict: 'rename', expiresAt: opts.expiresAt ?? null, accept: opts.accept });
}

/**
 * A folder of Kura's own (a system folder) in the caller's personal space, found or made in
 * one transaction: `OneBot images`, or `OneBot private files/<recipient id>`, which the
 * recipient may read through an access entry (added once; the sender may change it later).
 */
async function personalFolder(o: OneBot, actor: Actor, path: string[], grant?: { userId: number; mask: number }): Promise<number> {
  const space = await o.core.spaces.personal(actor);
  return (await o.core.changes.ensureFolders(actor, space.rootId, path, { system: true, grant })).id;
}

/** The folder private files to `recipient` go to, in the sender's personal space (its quota). */
const privateFolder = (o: OneBot, actor: Actor, recipient: number) =>
  personalFolder(o, actor, [PRIVATE_FOLDER, String(recipient)], recipient === actor.userId ? undefined : { userId: recipient, mask: RECIPIENT_RIGHTS });

/** Uploads (group, private, image), private file URLs, and the signed download route. */
export const uploadRoutes =
  (o: OneBot): FastifyPluginAsync =>
  async (app) => {
    // An upload from a URL first needs a permit (a few per user over all nodes, a few more per node).
    const fetching: Admission = (p, req) => o.core.urlFetches.admit(req.actor, p.file);

    action(app, 'upload_group_file', async (p, req) => {
      const group = await o.group(req.actor, p);
      const field = text(p, 'folder') !== undefined ? 'folder' : 'folder_id';
      const folder = await o.folderIn(req.actor, group, text(p, field), field);
      const item = await store(o, req.actor, folder, p, { name: text(p, 'name'), expiresAt: deadTime(p), fallback: 'file' });
      return { file_id: String(item.id) };
    }, fetching);

    action(app, 'upload_private_file', async (p, req) => {
      const recipient = ids.decode(p.user_id);
      if (recipient === undefined) throw badRequest('user_id must be a user id', { field: 'user_id' });
      const folder = await privateFolder(o, req.actor, recipient);
      const item = await store(o, req.actor, folder, p, { name: text(p, 'name'), expiresAt: deadTime(p), fallback: 'file' });
      return { file_id: String(item.id) };
    }, fetching);

    action(app, 'get_private_file_url', async (p, req) => {
      const raw = text(p, 'file_id');
      if (raw === undefined) throw badRequest('file_id is required', { field: 'file_id' });
      const id = ids.decode(raw);
      if (id === undefined) throw badRequest('file_id must be a file id', { field: 'file_id' });
      if (p.user_id !== undefined && p.user_id !== '' && ids.decode(p.user_id) === undefined) throw badRequest('user_id must be a user id', { field: 'user_id' });
      const file = await o.core.items.get(req.actor, id);
      if (file.kind !== 'file') throw new KuraError('not_found', 'file not found');
      const hash = text(p, 'file_hash');
      if (hash !== undefined && hash.toLowerCase() !== file.sha256) throw new KuraError('not_found', 'no file with that file_id and file_hash (file_hash is the SHA-256 of the content)');
      return { url: o.linkUrl(await o.core.links.sign(req.actor, file.id)) };
    });

    action(app, 'upload_image', async (p, req) => {
      const folder = await personalFolder(o, req.actor, [IMAGE_FOLDER]);
      const item = await store(o, req.actor, folder, p, { name: text(p, 'name'), fallback: 'image', accept: acceptCategory('image') });
      return { file: item.name, url: o.linkUrl(await o.core.links.sign(req.actor, item.id)) };
    }, fetching);

    // The signed link is the capability: no access_token.
    app.get<{ Params: { id: string } }>(`${DOWNLOAD_PATH}:id`, { config: { auth: 'none' } }, async (req, reply) => {
      const q = req.query as Params;
      const itemId = ids.decode(req.params.id);
      const userId = ids.decode(q.user);
      const expires = ids.decode(q.expires);
      const signature = typeof q.signature === 'string' ? q.signature : '';
      if (itemId === undefined || userId === undefined || expires === undefined || signature === '') throw badRequest('not a download link (file id, user, expires and signature are needed)');
      const h = req.headers;
      // A download counts once: a whole GET, or the first piece of a ranged one.
      const whole = req.method === 'GET' && (h.range === undefined || /^bytes=0-/.test(h.range)) && h['if-none-match'] === undefined && h['if-modified-since'] === undefined;
      const body = await o.core.links.open({ itemId, userId, expires, signature }, { client: req.ip, count: whole });
      await sendFile(req, reply, body, { cacheControl: 'private, no-store' });
      return reply;
    });
  };
