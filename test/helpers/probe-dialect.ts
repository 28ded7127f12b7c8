import { KuraError } from '../../src/core/errors.js';
import type { CredentialStrategy } from '../../src/http/shared/credentials.js';
import type { DialectFactory } from '../../src/http/shared/dialect.js';
import { httpStatus, type ErrorRenderer } from '../../src/http/shared/errors.js';
import { decimalNumberCodec, objectIdCodec } from '../../src/http/shared/ids.js';
import { withFile } from '../../src/http/shared/multipart.js';
import { idOf, idsOf, paramsOf } from '../../src/http/shared/params.js';

/** A 10Centuries-like envelope that also shows the error's details. */
export const metaEnvelope: ErrorRenderer = (e) => ({
  status: httpStatus(e.code),
  body: { meta: { code: httpStatus(e.code), text: e.message, details: e.details ?? null }, data: null },
});

/** OneBot-like: 401 without a credential, 403 with a wrong one, every other error on HTTP 200. */
export const oneBotEnvelope: ErrorRenderer = (e) => {
  const failed = (retcode: number) => ({ status: 'failed', retcode, data: null, message: e.message, wording: e.message, details: e.details ?? null });
  if (e.code === 'unauthorized') {
    const status = e.details?.credential === 'missing' ? 401 : 403;
    return { status, body: failed(status) };
  }
  return { status: 200, body: failed(httpStatus(e.code) === 404 ? 1404 : 1400) };
};

export interface Probe {
  factory: DialectFactory;
  /** How many times a multipart upload got as far as its file. */
  filesReached: number;
}

/**
 * A throwaway dialect on the toolkit: a few routes, one per auth mode, plus routes that
 * fail in known ways. Everything else (callers, errors, not-found) is the toolkit's.
 */
export function probeDialect(name: string, credentials: CredentialStrategy[], renderError: ErrorRenderer = metaEnvelope): Probe {
  const probe: Probe = {
    filesReached: 0,
    factory: (core) => ({
      name,
      prefix: `/probe/${name}`,
      credentials,
      renderError,
      async routes(app) {
        const me = async (req: { actor: { userId: number; tokenId?: number } }) => ({ data: { userId: req.actor.userId, tokenId: req.actor.tokenId ?? null } });
        app.get('/me', me);
        app.post('/me', me);
        app.get('/maybe', { config: { auth: 'optional' } }, async (req) => ({ data: { userId: req.optionalActor?.userId ?? null } }));
        app.get('/public', { config: { auth: 'none' } }, async (req) => ({ data: { public: true, actor: req.optionalActor ?? null } }));
        app.post('/upload', { config: { auth: 'multipart' } }, async (req) => {
          const item = await withFile(req, 'File', (fields, file) => {
            probe.filesReached++;
            return core.uploads.upload(req.actor, idOf(fields, 'FolderId', decimalNumberCodec), { name: file.name, stream: file.stream }, { onConflict: 'rename' });
          });
          return { data: { id: item.id, size: item.size } };
        });
        app.get('/ids', async (req) => {
          const p = paramsOf(req);
          return { data: { one: idOf(p, 'One', objectIdCodec), many: idsOf(p, 'Many', objectIdCodec) } };
        });
        app.get('/internal', async () => {
          throw new KuraError('internal', 'secret: postgres://admin:hunter2@db');
        });
        app.get('/crash', async () => {
          throw new Error('secret crash detail');
        });
        app.get('/full', async () => {
          throw new KuraError('quota_exceeded', 'the space is full');
        });
      },
    }),
  };
  return probe;
}
