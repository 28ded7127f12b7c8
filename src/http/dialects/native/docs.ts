import type { DialectDocs } from '../../shared/openapi.js';

const bytes = { type: 'string', format: 'binary' } as const;

/** The native API's document: what its route schemas cannot say without changing validation. */
export const nativeDocs: DialectDocs = {
  title: 'Kura native API (/api/v1)',
  description:
    'The native REST API of Kura. Authenticate with `Authorization: Bearer <token>`: a token from `POST /api/v1/auth/login` or `kura token create USER` (the Authorize button takes the bare token). Browsers may sign in with `POST /api/v1/session` instead: a session cookie, with the `X-Kura-CSRF` header on every change. Ids are decimal numbers; times are epoch milliseconds. Errors are `{"error": {"code", "message", "details"}}`.',
  path: '/api/v1/openapi.json',
  securitySchemes: {
    bearer: { type: 'http', scheme: 'bearer', description: 'a Kura token (kura_…)' },
    session: {
      type: 'apiKey',
      in: 'cookie',
      name: 'kura-session',
      description:
        'a browser session from `POST /api/v1/session` (the cookie is `__Host-kura-session` when PUBLIC_URL is https). Every request but GET, HEAD and OPTIONS also needs the session\'s `X-Kura-CSRF` header; a request with an Authorization header ignores the cookie.',
    },
  },
  security: [{ bearer: [] }, { session: [] }],
  tags: [
    { name: 'auth', description: 'log in, register, the calling user' },
    { name: 'session', description: 'browser sign-in with a cookie (the web app), its CSRF value, sign-out' },
    { name: 'tokens', description: "the caller's API tokens" },
    { name: 'spaces', description: 'spaces (personal, group, project, chat room), members, quotas' },
    { name: 'items', description: 'files and folders: metadata, listings, uploads, moves, copies' },
    { name: 'content', description: 'downloads and versions' },
    { name: 'uploads', description: 'resumable uploads in slices' },
    { name: 'trash', description: 'deleted items: list, restore, purge' },
    { name: 'acl', description: 'access entries (rights per user, group or role)' },
    { name: 'favorites', description: "the caller's favourites with tags" },
    { name: 'shares', description: 'share links, public or with a code' },
    { name: 'pins', description: 'reference strings that keep files (uploads that expire unless pinned)' },
    { name: 'locks', description: 'locks on items (exclusive or shared, depth 0 or infinity): writes to a locked item need its token in Lock-Token' },
  ],
  operations: {
    'POST /items/:id/children': {
      tags: ['items'],
      summary: 'Upload files or create a folder',
      schema: {
        body: {
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: { file: { ...bytes, description: 'a file to upload (any number of file parts may be sent; each part needs a filename)' } },
                required: ['file'],
              },
            },
            'application/json': {
              schema: { type: 'object', properties: { name: { type: 'string' }, kind: { type: 'string', enum: ['folder'] } }, required: ['name', 'kind'] },
            },
          },
        },
      },
    },
    'POST /items/:id/versions': {
      tags: ['content'],
      summary: 'Upload new content for a file',
      schema: {
        body: {
          content: {
            'multipart/form-data': { schema: { type: 'object', properties: { file: { ...bytes, description: 'the new content (one file part)' } }, required: ['file'] } },
            'application/octet-stream': { schema: { ...bytes, description: 'the new content as the raw body' } },
          },
        },
      },
    },
    'PUT /uploads/:key': {
      tags: ['uploads'],
      summary: 'Send bytes at offset',
      schema: { body: { content: { 'application/octet-stream': { schema: { ...bytes, description: 'the slice' } } } } },
    },
  },
};
