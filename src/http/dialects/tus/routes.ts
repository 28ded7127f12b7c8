import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { KuraConfig } from '../../../config.js';
import { type Actor, badRequest, type Core, KuraError, type SliceResult, type UploadStatus } from '../../../core/index.js';
import { checksumOf, concatOf, deferLength, hasBody, isOffsetStream, metaId, onConflictOf, parseMetadata, publicOf, rawMetadata, sizeHeader, TUS_PREFIX, unsupportedType, baseUrl } from './headers.js';
import { heldTokens } from '../../shared/conditions.js';
import { tusOptions } from './protocol.js';

const KEY = '^[A-Za-z0-9][A-Za-z0-9_.{}()-]{0,99}$';
const keyParams = { type: 'object', properties: { key: { type: 'string', pattern: KEY } }, required: ['key'] } as const;
type KeyRequest = FastifyRequest<{ Params: { key: string } }>;

const expires = (s: UploadStatus) => new Date(s.expiresAt).toUTCString();

/** Where a new file goes: metadata `parent` (a folder), else `space` (its root), else the caller's personal space. */
async function folderOf(core: Core, actor: Actor, meta: Map<string, string>): Promise<number> {
  const parent = metaId(meta, 'parent');
  const space = metaId(meta, 'space');
  if (parent !== undefined) {
    if (space !== undefined && (await core.items.get(actor, parent)).spaceId !== space) throw badRequest('metadata parent is not a folder of metadata space', { field: 'parent' });
    return parent;
  }
  if (space !== undefined) return (await core.spaces.get(actor, space)).rootId;
  const personal = (await core.spaces.listMine(actor)).find((s) => s.kind === 'personal');
  if (!personal) throw new KuraError('not_found', 'no personal space: name a parent folder or a space in the metadata');
  return personal.rootId;
}

const fileName = (meta: Map<string, string>): string => {
  const name = meta.get('filename') ?? meta.get('name');
  if (name === undefined || name === '') throw badRequest('metadata filename is required (the name of the new file)', { field: 'filename' });
  return name;
};

/** Upload state headers (HEAD, PATCH, POST answers). */
function stateHeaders(reply: FastifyReply, base: string, r: SliceResult | { done: false; status: UploadStatus }, withMeta: boolean): void {
  const s = r.status;
  reply.header('Upload-Offset', String(s.offset));
  reply.header('Upload-Expires', expires(s));
  if (withMeta) {
    if (s.deferred) reply.header('Upload-Defer-Length', '1');
    else reply.header('Upload-Length', String(s.length));
    if (s.meta) reply.header('Upload-Metadata', s.meta);
    if (s.partial) reply.header('Upload-Concat', 'partial');
    else if (s.parts) reply.header('Upload-Concat', `final;${s.parts.map((k) => `${TUS_PREFIX}/${k}`).join(' ')}`);
  }
  if (r.done) {
    reply.header('Kura-Item-Id', String(r.item.id));
    reply.header('Kura-Item-Url', `${base}/api/v1/items/${r.item.id}`);
  }
}

/**
 * tus 1.0 (https://tus.io/protocols/resumable-upload) at /api/v1/tus on the core's upload
 * sessions: creation (+ with upload, + defer length), termination, checksum, expiration,
 * concatenation. docs/tus.md has the decisions.
 */
export const tusRoutes =
  (core: Core, config: KuraConfig): FastifyPluginAsync =>
  async (app) => {
    const none = { config: { auth: 'none' as const } };
    app.options('/', none, async (_req, reply) => tusOptions(reply, config).code(204).send());
    app.options('/:key', none, async (_req, reply) => tusOptions(reply, config).code(204).send());

    app.post('/', async (req, reply) => {
      const concat = concatOf(req, config);
      const meta = parseMetadata(rawMetadata(req));
      const raw = rawMetadata(req) ?? null;
      const onConflict = onConflictOf(meta);
      // Private unless the client asks (metadata public: true).
      const isPublic = publicOf(meta);
      const body = hasBody(req);
      if (body && !isOffsetStream(req)) throw unsupportedType();
      const key = randomBytes(16).toString('hex');
      const base = baseUrl(req, config);
      // Only an upload that exists has a Location: a refused creation names none.
      const located = () => reply.header('Location', `${base}${TUS_PREFIX}/${key}`);
      const created = () => located().code(201).send();
      if (concat?.kind === 'final') {
        if (body) throw new KuraError('forbidden', 'a final upload takes no bytes of its own');
        if (req.headers['upload-length'] !== undefined) throw badRequest('a final upload has no Upload-Length: its parts make it', { header: 'Upload-Length' });
        const target = { folderId: await folderOf(core, req.actor, meta), name: fileName(meta) };
        const r = await core.resumable.concat(req.actor, { key, parts: concat.parts, target, meta: raw, onConflict, public: isPublic, conditions: heldTokens(req) });
        stateHeaders(reply, base, r, false);
        return created();
      }
      const deferred = deferLength(req);
      const length = sizeHeader(req, 'upload-length');
      if ((length === undefined) === !deferred) throw badRequest('give Upload-Length, or Upload-Defer-Length: 1', { header: 'Upload-Length' });
      const target = concat?.kind === 'partial' ? { partial: true as const, folderId: metaId(meta, 'parent') } : { folderId: await folderOf(core, req.actor, meta), name: fileName(meta) };
      const spec = { key, target, length: length ?? null, protocol: 'tus' as const, meta: raw, onConflict, public: isPublic, conditions: heldTokens(req) };
      // creation-with-upload: the body is the first bytes. An empty upload is complete at once.
      if (body || length === 0) {
        let r: SliceResult;
        try {
          r = await core.resumable.slice(req.actor, spec, 0, body ? req.raw : Readable.from([]), { contiguous: true, checksum: checksumOf(req) });
        } catch (e) {
          // Created, but its first bytes were refused (a checksum, a name clash at completion):
          // the answer names the upload, so the client can go on from its offset or terminate it.
          if (await core.resumable.status(req.actor, key, 'tus').then(() => true, () => false)) located();
          throw e;
        }
        stateHeaders(reply, base, r, false);
      } else {
        reply.header('Upload-Expires', expires(await core.resumable.open(req.actor, spec)));
      }
      return created();
    });

    app.route({
      method: 'HEAD',
      url: '/:key',
      schema: { params: keyParams },
      handler: async (req: KeyRequest, reply) => {
        const r = await core.resumable.settle(req.actor, req.params.key, 'tus');
        stateHeaders(reply, baseUrl(req, config), r, true);
        reply.header('Cache-Control', 'no-store');
        return reply.code(200).send();
      },
    });

    const patch = async (req: KeyRequest, reply: FastifyReply) => {
      if (!isOffsetStream(req)) throw unsupportedType();
      const offset = sizeHeader(req, 'upload-offset');
      if (offset === undefined) throw badRequest('Upload-Offset is required', { header: 'Upload-Offset' });
      const length = sizeHeader(req, 'upload-length');
      const r = await core.resumable.append(req.actor, req.params.key, offset, req.raw, { contiguous: true, checksum: checksumOf(req), length, conditions: heldTokens(req) }, 'tus');
      stateHeaders(reply, baseUrl(req, config), r, false);
      return reply.code(204).send();
    };
    const terminate = async (req: KeyRequest, reply: FastifyReply) => {
      await core.resumable.cancel(req.actor, req.params.key, 'tus');
      return reply.code(204).send();
    };
    app.patch('/:key', { schema: { params: keyParams } }, patch);
    app.delete('/:key', { schema: { params: keyParams } }, terminate);
    // Clients behind proxies that only pass GET and POST (tus: X-HTTP-Method-Override).
    app.post('/:key', { schema: { params: keyParams } }, async (req: KeyRequest, reply) => {
      const method = String(req.headers['x-http-method-override'] ?? '').toUpperCase();
      if (method === 'PATCH') return patch(req, reply);
      if (method === 'DELETE') return terminate(req, reply);
      req.raw.resume();
      throw new KuraError('bad_request', 'POST to an upload needs X-HTTP-Method-Override: PATCH or DELETE');
    });
  };
