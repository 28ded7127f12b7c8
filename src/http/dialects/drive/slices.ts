import type { FastifyRequest } from 'fastify';
import type { SliceResult, SliceTarget } from '../../../core/index.js';
import { withFile } from '../../shared/multipart.js';
import { param } from '../../shared/param-readers.js';
import type { Params } from '../../shared/params.js';
import type { TableRoute } from '../../shared/route-table.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';
import { FileIdParam, ParentId } from './params.js';

const FileName = param.str('FileName', '文件名（不包含路径）');
const FileTempId = param.guid('FileTempId', '文件临时标识');
const SliceOffset = param.int('SliceOffset', '分片偏移位置', { long: true });
const FileLength = param.int('FileLength', '文件总大小', { long: true });
const SliceData = param.file('SliceData', '文件分片信息');

/**
 * Sliced upload and sliced update: multipart fields first (UserToken, FileName and ParentId
 * or Id, FileTempId, SliceOffset, FileLength), then the SliceData part.
 */
export const sliceRoutes = (d: Drive): TableRoute[] => {
  const receive = async (req: FastifyRequest, target: (f: Params) => SliceTarget) => {
    const r = await withFile(req, SliceData.doc.name, (f, file) => {
      // Spec 002 serves a file by id without a token (`resource`): the files it makes are public.
      const spec = { key: FileTempId.read(f), target: target(f), length: FileLength.read(f), public: true };
      return d.core.resumable.slice(req.actor, spec, SliceOffset.read(f), file.stream);
    });
    return answer(d, r);
  };
  const slices = ['slices'];
  return [
    {
      method: 'POST',
      url: '/upload_large_file',
      tags: slices,
      summary: 'Upload a large file in slices (文件-上传文件（大文件分片上传）)',
      params: [FileName, ParentId, FileTempId, SliceOffset, FileLength, SliceData],
      config: { auth: 'multipart' },
      handler: (req) => receive(req, (f) => ({ folderId: ParentId.read(f), name: FileName.read(f) })),
    },
    {
      method: 'POST',
      url: '/update_large_file',
      tags: slices,
      summary: 'Update a large file in slices (文件-更新文件（大文件分片上传）)',
      params: [FileIdParam, FileTempId, SliceOffset, FileLength, SliceData],
      config: { auth: 'multipart' },
      handler: (req) => receive(req, (f) => ({ itemId: FileIdParam.read(f) })),
    },
  ];
};

async function answer(d: Drive, r: SliceResult) {
  if (r.done) return ok((await d.items([r.item]))[0]);
  const s = r.status;
  const k = s.key;
  const guid = /^[0-9a-f]{32}$/.test(k) ? `${k.slice(0, 8)}-${k.slice(8, 12)}-${k.slice(12, 16)}-${k.slice(16, 20)}-${k.slice(20)}` : k;
  return ok({ FileTempId: guid, FileLength: s.length, ReceivedLength: s.received, ReceivedRanges: s.ranges, Completed: false }, 'slice received');
}
