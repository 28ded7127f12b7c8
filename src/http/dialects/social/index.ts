import { bearer } from '../../shared/credentials.js';
import type { DialectFactory } from '../../shared/dialect.js';
import { restErrorWith } from '../../shared/errors.js';
import { fileRoutes } from './files.js';
import { profileRoutes } from './profile.js';
import { roomRoutes } from './rooms.js';

/**
 * The social app's file API (spec 000) at /files: bare JSON, Bearer tokens, 201/200/204.
 * It shares the /files prefix with tencenturies (`POST /files/upload`, `GET /files`,
 * `GET|DELETE /files/:id`); none of these routes has the same method and shape as theirs.
 * docs/social.md has the decisions where the spec is silent.
 */
export const socialDialect: DialectFactory = (core) => ({
  name: 'social',
  prefix: '/files',
  credentials: [bearer()],
  // The spec has no 409, 412 or 423: a locked item is not allowed (403), a failed condition a bad request.
  renderError: restErrorWith({ locked: 403, precondition_failed: 400 }),
  sharesPrefix: true,
  async routes(app) {
    await app.register(fileRoutes(core));
    await app.register(profileRoutes(core));
    await app.register(roomRoutes(core));
  },
});
