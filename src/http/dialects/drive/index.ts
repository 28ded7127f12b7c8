import { bearer, namedParam } from '../../shared/credentials.js';
import type { DialectFactory } from '../../shared/dialect.js';
import { changeRoutes } from './changes.js';
import { makeDrive } from './context.js';
import { driveDocs } from './docs.js';
import { renderDriveError } from './envelope.js';
import { favoriteRoutes } from './favorites.js';
import { fileRoutes } from './files.js';
import { readRoutes } from './reads.js';
import { recycleRoutes } from './recycle.js';
import { sliceRoutes } from './slices.js';
import { shareRoutes } from './shares.js';

/** The `drive` dialect (spec 002), mounted at /v1/file. docs/drive.md has its decisions. */
export const driveDialect: DialectFactory = (core, config) => {
  const d = makeDrive(core, config);
  return {
    name: 'drive',
    prefix: '/v1/file',
    credentials: [namedParam('UserToken'), bearer()],
    missingCredential: 'UserToken is required',
    renderError: renderDriveError,
    docs: driveDocs,
    async routes(app) {
      await app.register(readRoutes(d));
      await app.register(fileRoutes(d));
      await app.register(sliceRoutes(d));
      await app.register(changeRoutes(d));
      await app.register(recycleRoutes(d));
      await app.register(favoriteRoutes(d));
      await app.register(shareRoutes(d));
    },
  };
};
