import { basic, bearer } from '../../shared/credentials.js';
import type { DialectFactory } from '../../shared/dialect.js';
import { httpStatus, type ErrorRenderer } from '../../shared/errors.js';
import { textBody } from '../../shared/bodies.js';
import { DAV_PREFIX } from './hrefs.js';
import { readRoutes, xmlBody } from './reads.js';
import { writeRoutes } from './writes.js';
import { proppatchRoutes } from './proppatch.js';
import { lockRoutes } from './locks.js';
import { XML_MAX_BYTES } from './xml-read.js';
import { davError, davMessage } from './xml-write.js';

const XML_TYPE = 'application/xml; charset=utf-8';
const XML_METHODS = new Set(['PROPFIND', 'PROPPATCH', 'LOCK']);

/**
 * Errors as WebDAV clients read them: the status decides (507 for the quota, 423 for a
 * lock), the body is a DAV:error naming the precondition where there is one; a 401 carries
 * the Basic challenge every client (Windows, Finder, davfs2, rclone) answers.
 */
const davErrors: ErrorRenderer = (e) => {
  const condition = typeof e.details?.condition === 'string' ? e.details.condition : undefined;
  const headers: Record<string, string> = { 'Content-Type': XML_TYPE };
  if (e.code === 'unauthorized') headers['WWW-Authenticate'] = 'Basic realm="Kura", charset="UTF-8"';
  const status = typeof e.details?.davStatus === 'number' ? e.details.davStatus : httpStatus(e.code);
  return { status, body: condition ? davError(condition, e.message) : davMessage(e.message), headers };
};

/** WebDAV at /dav (RFC 4918): the caller's spaces as collections. docs/webdav.md has the decisions. */
export const webdavDialect: DialectFactory = (core, config) => ({
  name: 'webdav',
  prefix: DAV_PREFIX,
  credentials: [basic(), bearer()],
  renderError: davErrors,
  async routes(app) {
    for (const method of ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK']) app.addHttpMethod(method, { hasBody: true });
    // XML bodies (PROPFIND, and later PROPPATCH, LOCK), whatever type the client names
    // (some name none): at most XML_MAX_BYTES, parsed without DTDs or entities. Other
    // bodies (PUT's content) are left for the handler to stream.
    const xml = textBody(XML_MAX_BYTES, xmlBody);
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (req, payload, done) => (XML_METHODS.has(req.method) ? xml(req, payload, done) : done(null)));
    await app.register(readRoutes(core));
    await app.register(writeRoutes(core, config));
    await app.register(proppatchRoutes(core));
    await app.register(lockRoutes(core));
  },
});
