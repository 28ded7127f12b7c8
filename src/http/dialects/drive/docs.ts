import type { DialectDocs } from '../../shared/openapi.js';

/*
 * The drive's document (spec 002), but for its operations: those come from the route table
 * (index.ts), each route's parameters from the readers its handler reads them with
 * (shared/param-readers.ts: name, whether required, type and the spec's own words).
 * `UserToken`, which every table but the public ones lists, is the `UserToken` security
 * scheme (a query parameter, as the spec sends it on GETs; it may also be a form or JSON field
 * or an `Authorization: Bearer` header).
 */

const envelope = {
  type: 'object',
  description: 'the envelope of every JSON answer, errors included (HTTP status = Code)',
  properties: {
    IsOk: { type: 'boolean' },
    Code: { type: 'integer', description: '200, or the error: 400, 401, 403, 404, 409, 413, 415, 416, 429, 507' },
    Message: { type: 'string' },
    Data: { description: 'the answer (an item, a list, …); null on errors', nullable: true },
  },
  required: ['IsOk', 'Code', 'Message'],
};

/** Everything of the document but its operations. */
export const driveDocs: Omit<DialectDocs, 'operations'> = {
  title: 'Kura drive API (/v1/file, spec 002)',
  description:
    'The project cloud drive API of spec 002, served by Kura. Authenticate with the `UserToken` parameter (a Kura token: `POST /api/v1/auth/login` or `kura token create USER`); the Authorize button puts it in the query string. Ids are ObjectIds (24 hex digits: the native id in hexadecimal); dates are `/Date(<epoch ms>)/`. Every JSON answer is `{IsOk, Code, Message, Data}`. `docs/drive.md` has the decisions where the spec is silent.',
  path: '/v1/file/openapi.json',
  securitySchemes: {
    UserToken: { type: 'apiKey', in: 'query', name: 'UserToken', description: 'the spec’s UserToken parameter: a Kura token (kura_…)' },
    bearer: { type: 'http', scheme: 'bearer', description: 'the same token as an Authorization: Bearer header' },
  },
  security: [{ UserToken: [] }, { bearer: [] }],
  tags: [
    { name: 'files', description: 'upload, update, download, icons and public resources' },
    { name: 'slices', description: 'large files in slices (resumable)' },
    { name: 'folders', description: 'folders, trees, listings with filter and map' },
    { name: 'items', description: 'batch details, updates, moves, copies, deletes, permissions' },
    { name: 'recycle', description: 'the recycle bin' },
    { name: 'favorites', description: 'favourites with tags' },
    { name: 'shares', description: 'public and private shares' },
  ],
  answer: envelope,
};
