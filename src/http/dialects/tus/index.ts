import { bearer } from '../../shared/credentials.js';
import { sessionCookie } from '../../shared/session-cookie.js';
import type { DialectFactory } from '../../shared/dialect.js';
import { type ErrorRenderer, httpStatus } from '../../shared/errors.js';
import { TUS_PREFIX } from './headers.js';
import { installTusHooks } from './protocol.js';
import { tusRoutes } from './routes.js';

/**
 * Errors as tus clients read them: the status decides (460 for a checksum mismatch, 413
 * for the size limit and for the quota), the body is the REST error for people.
 */
const tusError: ErrorRenderer = (e) => ({
  status: e.code === 'quota_exceeded' ? 413 : httpStatus(e.code),
  body: { error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } },
});

/** tus 1.0 resumable uploads at /api/v1/tus, with the native credentials. docs/tus.md has the decisions. */
export const tusDialect: DialectFactory = (core, config) => ({
  name: 'tus',
  prefix: TUS_PREFIX,
  credentials: [bearer(), sessionCookie(config)],
  renderError: tusError,
  async routes(app) {
    installTusHooks(app, config);
    // Bodies are tus bytes read by the handlers as they stream (the type is checked there: 415).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, _payload, done) => done(null));
    await app.register(tusRoutes(core, config));
  },
});
