import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { KuraError, type Share } from '../../../core/index.js';
import { objectIdCodec, toObjectId } from '../../shared/ids.js';
import { sendShare } from '../../shared/send-share.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { idOf, idsOf, int, type Params, paramsOf, str } from '../../shared/params.js';
import { driveDate } from './render.js';

/**
 * A share as the spec shows it. `_id` is the share's unguessable public id (96 random bits
 * as 24 hex digits, ObjectId-shaped): the same value is `Id` of `share/delete` and
 * `share/download` and `ShareId` of `ShareUrl`, as in the spec.
 */
export const driveShare = (s: Share, publicUrl: string) => ({
  FileId: toObjectId(s.itemId),
  FileName: s.itemName,
  _id: s.token,
  ProjectId: toObjectId(s.spaceId),
  UserId: toObjectId(s.createdBy),
  CreatedDate: driveDate(s.createdAt),
  DownloadTimes: s.downloadCount,
  ShareType: s.type === 'public' ? 1 : 2,
  ExtraCode: s.code ?? '',
  ShareUrl: `${publicUrl}/v1/file/download_share_file?ShareId=${s.token}`,
});

/** Shares: list, add, delete (token needed) and the two download forms (no token). */
export const shareRoutes =
  (d: Drive): FastifyPluginAsync =>
  async (app) => {
    app.get('/share/list', async (req) => {
      const p = paramsOf(req);
      const projectId = idOf(p, 'ProjectId', objectIdCodec);
      await d.core.spaces.get(req.actor, projectId);
      return ok((await d.core.shares.list(req.actor, projectId)).map((s) => driveShare(s, d.config.publicUrl)));
    });

    app.post('/share/add', async (req) => {
      const p = paramsOf(req);
      const ids = idsOf(p, 'ItemIds', objectIdCodec);
      const type = int(p, 'ShareType');
      if (type !== 1 && type !== 2) throw new KuraError('bad_request', 'ShareType must be 1 (public) or 2 (private)', { field: 'ShareType' });
      const shares = (await d.core.shares.add(req.actor, ids, { type: type === 1 ? 'public' : 'private' })).map((s) => driveShare(s, d.config.publicUrl));
      // One item: the share object, as the spec shows; several: an array in ItemIds order.
      return ok(shares.length === 1 ? shares[0] : shares);
    });

    app.post('/share/delete', { config: { secretParams: ['Id'] } }, async (req) => {
      const p = paramsOf(req);
      await d.core.shares.remove(req.actor, { token: str(p, 'Id').toLowerCase() });
      return ok(null);
    });

    const download = (field: string) => async (req: FastifyRequest, reply: FastifyReply) => {
      const p: Params = paramsOf(req);
      const content = await d.core.shares.open(str(p, field), str(p, 'ExtraCode', { optional: true }), { client: req.ip, count: req.method !== 'HEAD' });
      await sendShare(req, reply, content);
      return reply;
    };
    // No token: the share id (and code) is the capability (so never in a log line).
    app.get('/share/download', { config: { auth: 'none', secretParams: ['Id'] } }, download('Id'));
    // The spec's ShareUrl form.
    app.get('/download_share_file', { config: { auth: 'none', secretParams: ['ShareId'] } }, download('ShareId'));
  };
