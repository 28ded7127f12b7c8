import { bearer, namedParam } from '../../shared/credentials.js';
import type { DialectFactory } from '../../shared/dialect.js';
import { operationsOf, tableRoutes } from '../../shared/route-table.js';
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
  // One table: it registers the routes and writes their document (decisions/0047).
  const table = [...readRoutes(d), ...fileRoutes(d), ...sliceRoutes(d), ...changeRoutes(d), ...recycleRoutes(d), ...favoriteRoutes(d), ...shareRoutes(d)];
  return {
    name: 'drive',
    prefix: '/v1/file',
    credentials: [namedParam('UserToken'), bearer()],
    missingCredential: 'UserToken is required',
    renderError: renderDriveError,
    docs: { ...driveDocs, operations: operationsOf(table) },
    routes: tableRoutes(table),
  };
};
