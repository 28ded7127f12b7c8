import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { checkName, isKuraError, KuraError, type ImageInfo, type Item, type UploadDerivative } from '../../../core/index.js';
import { eachFile, type StreamedFile } from '../../shared/multipart-files.js';
import type { Params } from '../../shared/params.js';
import type { Tencenturies } from './context.js';
import { ok } from './envelope.js';
import { bucketObject, fileObject } from './render.js';
import { CDN_RECIPE, CDN_WIDTH, IMAGE_RULES } from './types.js';

/** Files one request may carry. */
export const MAX_FILES = 100;

/** The spec's reasons for a rejected file. */
export type Reason = 'Bad File Name' | 'Could Not Record File Data' | 'Insufficient Storage Remaining' | 'Unsupported File Type';

class Rejected extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
  ) {
    super(message);
  }
}

function reasonOf(e: unknown): Reason {
  if (e instanceof Rejected) return e.reason;
  if (!isKuraError(e)) return 'Could Not Record File Data';
  if (e.code === 'quota_exceeded') return 'Insufficient Storage Remaining';
  if (e.code === 'unsupported_type') return 'Unsupported File Type';
  return 'Could Not Record File Data';
}

/** What the client is told about why (never an internal error's own words). */
function messageOf(e: unknown): string {
  if (e instanceof Rejected) return e.message;
  if (isKuraError(e) && e.code !== 'internal') return e.message;
  return 'the file could not be recorded';
}

/**
 * `POST /files/upload`: every file part of the body, each on its own. A good file is stored
 * (bytes first, one transaction) whatever happens to the others; a rejected one gets an
 * error object with the spec's reason and leaves nothing behind. Answers `{files, bucket,
 * errors}` with the bucket read after the last file.
 */
export const uploadRoutes =
  (t: Tencenturies): FastifyPluginAsync =>
  async (app) => {
    app.post('/upload', { config: { auth: 'required' } }, async (req) => {
      const space = await t.personal(req.actor);
      // Refused as a whole before any byte when the caller may not write there at all (a read-only token, a locked folder).
      await t.core.uploads.checkTarget(req.actor, space.rootId);
      const fields: Params = {};
      const files: Item[] = [];
      const errors: Record<string, unknown>[] = [];
      let seen = 0;
      for await (const file of eachFile(req, fields, { files: MAX_FILES, fields: 100 })) {
        seen++;
        try {
          files.push(await store(t, req, space.rootId, file));
        } catch (e) {
          if (!(e instanceof Rejected) && (!isKuraError(e) || e.code === 'internal')) req.log.error({ reqId: req.id, err: e }, 'a 10Centuries upload failed');
          const size = await file.done();
          errors.push({
            name: file.name,
            size,
            type: (isKuraError(e) && typeof e.details?.mime === 'string' ? e.details.mime : undefined) ?? (file.declaredType || 'application/octet-stream'),
            reason: reasonOf(e),
            message: messageOf(e),
          });
        }
      }
      if (seen === 0) throw new KuraError('bad_request', 'No Files Received: send multipart/form-data with one or more file parts');
      const bucket = await t.core.spaces.get(req.actor, space.id);
      return ok({ files: files.map((i) => fileObject(i, t.config.publicUrl)), bucket: bucketObject(bucket), errors });
    });
  };

/** Refuses a sniffed type that is not on the allow-list (before anything is kept). */
function acceptOf(t: Tencenturies) {
  return ({ mime }: { mime: string }) => {
    if (!t.accept(mime)) throw new KuraError('unsupported_type', `files of type ${mime} are not accepted`, { mime });
  };
}

/** The CDN copy is wanted for images wider than 960 px once turned, or turned at all. */
const wanted = (info: ImageInfo) => info.width > CDN_WIDTH || (info.orientation ?? 1) !== 1;

/** The image rules: images the engine reads are validated, and get their CDN copy when wanted. */
const CDN_COPY: UploadDerivative = { applies: (mime) => IMAGE_RULES.has(mime), recipe: CDN_RECIPE, wanted };

/**
 * Stores one file: its name, type (from the content) and size are checked while it streams;
 * an image is then probed, and its CDN copy rendered when wanted, in one read and before
 * anything is recorded (format, pixel limit, broken pixel data: a refusal records nothing);
 * the core records the copy in the file's own transaction.
 */
async function store(t: Tencenturies, req: FastifyRequest, rootId: number, file: StreamedFile): Promise<Item> {
  let name: string;
  try {
    name = checkName(file.name, 'file name');
  } catch (e) {
    throw new Rejected('Bad File Name', (e as Error).message);
  }
  return t.core.uploads.upload(req.actor, rootId, { name, stream: file.stream }, { onConflict: 'rename', public: true /* spec 003 serves every file at its cdn_url without a token */, maxBytes: t.config.tencenturies.maxFileBytes, accept: acceptOf(t), derivative: CDN_COPY });
}
