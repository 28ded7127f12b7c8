import { bearer } from '../../shared/credentials.js';
import type { DialectFactory } from '../../shared/dialect.js';
import { restErrorWith } from '../../shared/errors.js';
import { byNameRoutes, contentRoutes, MAIN_TYPES } from './content.js';
import { fileRoutes } from './files.js';

const credentials = [bearer()];
/** The spec has no 412 or 423: a locked file (or a failed condition) is a conflict, 409. */
const renderError = restErrorWith({ locked: 409, precondition_failed: 409 });

/** The `media` dialect (spec 001, 文件存储 API V2.1) at /file. docs/media.md has its decisions. */
export const mediaDialect: DialectFactory = (core) => ({
  name: 'media',
  prefix: '/file',
  credentials,
  renderError,
  async routes(app) {
    await app.register(fileRoutes(core));
    await app.register(contentRoutes(core));
  },
});

/**
 * `GET /:maintype/:name` of the media dialect, one mount per real MIME main type, so it
 * never takes a path of another dialect.
 */
export const mediaByNameDialects: readonly DialectFactory[] = MAIN_TYPES.map(
  (maintype): DialectFactory =>
    (core) => ({
      name: `media-${maintype}`,
      prefix: `/${maintype}`,
      credentials,
      renderError,
      routes: byNameRoutes(core, maintype),
    }),
);
