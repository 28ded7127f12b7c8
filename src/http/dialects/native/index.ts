import { bearer } from '../../shared/credentials.js';
import { sessionCookie } from '../../shared/session-cookie.js';
import type { DialectFactory } from '../../shared/dialect.js';
import { restError } from '../../shared/errors.js';
import { aclRoutes } from './acl.js';
import { authRoutes } from './auth.js';
import { favoriteRoutes } from './favorites.js';
import { childrenRoutes } from './children.js';
import { contentRoutes } from './content.js';
import { nativeDocs } from './docs.js';
import { itemRoutes } from './items.js';
import { lockRoutes } from './locks.js';
import { pathRoutes } from './paths.js';
import { pinRoutes } from './pins.js';
import { sessionRoutes } from './session.js';
import { shareRoutes } from './shares.js';
import { spaceRoutes } from './spaces.js';
import { trashRoutes } from './trash.js';
import { uploadRoutes } from './uploads.js';

/** The native REST API, mounted at /api/v1. docs/native.md has its decisions. */
export const nativeDialect: DialectFactory = (core, config) => ({
  name: 'native',
  prefix: '/api/v1',
  // A Bearer token decides; else the browser's session cookie (writes need its CSRF header).
  credentials: [bearer(), sessionCookie(config)],
  renderError: restError,
  docs: nativeDocs,
  async routes(app) {
    await app.register(authRoutes(core));
    await app.register(sessionRoutes(core, config));
    await app.register(spaceRoutes(core));
    await app.register(itemRoutes(core));
    await app.register(pathRoutes(core));
    await app.register(childrenRoutes(core));
    await app.register(contentRoutes(core));
    await app.register(trashRoutes(core));
    await app.register(aclRoutes(core));
    await app.register(favoriteRoutes(core));
    await app.register(uploadRoutes(core));
    await app.register(shareRoutes(core, config));
    await app.register(pinRoutes(core));
    await app.register(lockRoutes(core));
  },
});
