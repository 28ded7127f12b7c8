import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { badRequest, type SliceResult, type SliceTarget } from '../../../core/index.js';
import { objectIdCodec } from '../../shared/ids.js';
import { withFile } from '../../shared/multipart.js';
import { idOf, int, type Params, str } from '../../shared/params.js';
import type { Drive } from './context.js';
import { ok } from './envelope.js';

const GUID = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[})]?$/i;

/** A GUID in any of .NET's forms (N, D, B, P), as 32 lowercase hex digits. */
function fileTempId(p: Params): string {
  const v = str(p, 'FileTempId');
  if (!GUID.test(v)) throw badRequest('FileTempId must be a GUID', { field: 'FileTempId' });
  return v.replace(/[^0-9a-f]/gi, '').toLowerCase();
}

/**
 * Sliced upload and sliced update: multipart fields first (UserToken, FileName and ParentId
 * or Id, FileTempId, SliceOffset, FileLength), then the SliceData part.
 */
export const sliceRoutes =
  (d: Drive): FastifyPluginAsync =>
  async (app) => {
    const receive = async (req: FastifyRequest, target: (f: Params) => SliceTarget) => {
      const r = await withFile(req, 'SliceData', (f, file) => {
        // Spec 002 serves a file by id without a token (`resource`): the files it makes are public.
        const spec = { key: fileTempId(f), target: target(f), length: int(f, 'FileLength'), public: true };
        return d.core.resumable.slice(req.actor, spec, int(f, 'SliceOffset'), file.stream);
      });
      return answer(d, r);
    };
    const multipart = { config: { auth: 'multipart' as const } };
    app.post('/upload_large_file', multipart, (req) => receive(req, (f) => ({ folderId: idOf(f, 'ParentId', objectIdCodec), name: str(f, 'FileName') })));
    app.post('/update_large_file', multipart, (req) => receive(req, (f) => ({ itemId: idOf(f, 'Id', objectIdCodec) })));
  };

async function answer(d: Drive, r: SliceResult) {
  if (r.done) return ok((await d.items([r.item]))[0]);
  const s = r.status;
  const k = s.key;
  const guid = /^[0-9a-f]{32}$/.test(k) ? `${k.slice(0, 8)}-${k.slice(8, 12)}-${k.slice(12, 16)}-${k.slice(16, 20)}-${k.slice(20)}` : k;
  return ok({ FileTempId: guid, FileLength: s.length, ReceivedLength: s.received, ReceivedRanges: s.ranges, Completed: false }, 'slice received');
}
