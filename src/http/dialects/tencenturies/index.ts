import { bareAuthorization, bearer } from '../../shared/credentials.js';
import type { DialectFactory } from '../../shared/dialect.js';
import { makeTencenturies } from './context.js';
import { renderTencenturiesError } from './envelope.js';
import { fileRoutes } from './files.js';
import { uploadRoutes } from './upload.js';

/**
 * The `tencenturies` dialect (spec 003, the 10Centuries files API), mounted at /files next
 * to `social` (which owns POST /files, /files/:id/data, /files/:id/attribute, /files/users/…).
 * docs/tencenturies.md has its decisions.
 */
export const tencenturiesDialect: DialectFactory = (core, config) => {
  const t = makeTencenturies(core, config);
  return {
    name: 'tencenturies',
    prefix: '/files',
    credentials: [bareAuthorization(), bearer()],
    missingCredential: 'an Authorization: <token> header is required',
    renderError: renderTencenturiesError,
    async routes(app) {
      await app.register(uploadRoutes(t));
      await app.register(fileRoutes(t));
    },
  };
};
