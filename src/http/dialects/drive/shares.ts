import type { FastifyReply, FastifyRequest } from 'fastify';
import { KuraError, type Share } from '../../../core/index.js';
import { toObjectId } from '../../shared/ids.js';
import { sendShare } from '../../shared/send-share.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { ItemIds, ProjectId } from './params.js';
import { param, type ParamReader, reader } from '../../shared/param-readers.js';
import { paramsOf, str } from '../../shared/params.js';
import type { TableRoute } from '../../shared/route-table.js';
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

const ShareType = param.int('ShareType', '分享类型（1为公开、2为私密）');
/** A share's `_id` (its random token, ObjectId-shaped): read as text, the core finds it. */
const shareId = (name: string, description: string) => reader({ name, type: 'ObjectId', required: true, description }, (p) => str(p, name));
const Id = shareId('Id', '文件分享Id');
const ExtraCode = param.optionalStr('ExtraCode', '提取码 (the code of a private share)');

/** Shares: list, add, delete (token needed) and the two download forms (no token). */
export const shareRoutes = (d: Drive): TableRoute[] => {
  const download = (id: ParamReader<string>) => async (req: FastifyRequest, reply: FastifyReply) => {
    const p = paramsOf(req);
    const content = await d.core.shares.open(id.read(p), ExtraCode.read(p), { client: req.ip, count: req.method !== 'HEAD' });
    await sendShare(req, reply, content);
    return reply;
  };
  const ShareId = shareId('ShareId', '文件分享Id (the share’s _id)');
  return [
    {
      method: 'GET',
      url: '/share/list',
      tags: ['shares'],
      summary: 'Shares of a project (分享-获取分享文件列表)',
      params: [ProjectId],
      async handler(req) {
        const projectId = ProjectId.read(paramsOf(req));
        await d.core.spaces.get(req.actor, projectId);
        return ok((await d.core.shares.list(req.actor, projectId)).map((s) => driveShare(s, d.config.publicUrl)));
      },
    },
    {
      method: 'POST',
      url: '/share/add',
      tags: ['shares'],
      summary: 'Share items (batch) (分享-添加分享文件（批量）)',
      params: [ItemIds, ShareType],
      async handler(req) {
        const p = paramsOf(req);
        const ids = ItemIds.read(p);
        const type = ShareType.read(p);
        if (type !== 1 && type !== 2) throw new KuraError('bad_request', 'ShareType must be 1 (public) or 2 (private)', { field: 'ShareType' });
        const shares = (await d.core.shares.add(req.actor, ids, { type: type === 1 ? 'public' : 'private' })).map((s) => driveShare(s, d.config.publicUrl));
        // One item: the share object, as the spec shows; several: an array in ItemIds order.
        return ok(shares.length === 1 ? shares[0] : shares);
      },
    },
    {
      method: 'POST',
      url: '/share/delete',
      tags: ['shares'],
      summary: 'Remove a share (分享-移除分享文件)',
      params: [Id, param.ignored('ExtraCode', 'string', '提取码 (the code of a private share; not needed here: the caller’s rights decide)')],
      config: { secretParams: ['Id'] },
      async handler(req) {
        await d.core.shares.remove(req.actor, { token: Id.read(paramsOf(req)).toLowerCase() });
        return ok(null);
      },
    },
    // No token: the share id (and code) is the capability (so never in a log line).
    {
      method: 'GET',
      url: '/share/download',
      tags: ['shares'],
      summary: 'Download a share, without a token (分享-下载分享文件)',
      produces: 'application/octet-stream',
      params: [Id, ExtraCode],
      config: { auth: 'none', secretParams: ['Id'] },
      handler: download(Id),
    },
    // The spec's ShareUrl form.
    {
      method: 'GET',
      url: '/download_share_file',
      tags: ['shares'],
      summary: 'Download a share by its ShareUrl, without a token (the spec’s ShareUrl)',
      produces: 'application/octet-stream',
      params: [ShareId, ExtraCode],
      config: { auth: 'none', secretParams: ['ShareId'] },
      handler: download(ShareId),
    },
  ];
};
