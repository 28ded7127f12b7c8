/** JSON schemas shared by the native routes: they validate, serialise and document. */

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', additionalProperties: true } },
      required: ['code', 'message'],
    },
  },
} as const;

export const idParam = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$', description: 'numeric id' } },
  required: ['id'],
} as const;

const nullableInt = { type: ['integer', 'null'] } as const;

export const itemSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    spaceId: { type: 'integer' },
    parentId: nullableInt,
    name: { type: 'string' },
    kind: { type: 'string', enum: ['file', 'folder'] },
    system: { type: 'boolean' },
    description: { type: 'string' },
    customTag: { type: 'string' },
    properties: { type: 'object', additionalProperties: true },
    size: { type: 'integer' },
    mime: { type: ['string', 'null'] },
    version: { type: 'integer' },
    sha256: { type: ['string', 'null'] },
    createdBy: { type: 'integer' },
    createdAt: { type: 'integer', description: 'epoch milliseconds' },
    modifiedBy: { type: 'integer' },
    modifiedAt: { type: 'integer', description: 'epoch milliseconds' },
    downloadCount: { type: 'integer' },
    expiresAt: nullableInt,
    trashedAt: nullableInt,
  },
} as const;

export const versionSchema = {
  type: 'object',
  properties: {
    number: { type: 'integer' },
    size: { type: 'integer' },
    mime: { type: 'string' },
    sha256: { type: 'string' },
    createdBy: { type: 'integer' },
    createdAt: { type: 'integer' },
  },
} as const;

export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    realName: { type: 'string' },
    email: { type: 'string' },
    phone: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'user'] },
    createdAt: { type: 'integer' },
  },
} as const;

export const tokenSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    userId: { type: 'integer' },
    label: { type: 'string' },
    createdAt: { type: 'integer' },
    lastUsedAt: nullableInt,
    expiresAt: nullableInt,
    readOnly: { type: 'boolean', description: 'its callers may only read: every write is refused (403)' },
  },
} as const;

export const spaceSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string', enum: ['personal', 'group', 'project', 'chat_room'] },
    name: { type: 'string' },
    ownerId: { type: 'integer' },
    rootId: { type: 'integer' },
    quota: { type: 'object', properties: { bytes: nullableInt, files: nullableInt } },
    usage: {
      type: 'object',
      description: 'bytes and files stored (every version, trash included); reserved and reservedFiles: held by unfinished uploads; the quota counts both',
      properties: { bytes: { type: 'integer' }, files: { type: 'integer' }, reserved: { type: 'integer' }, reservedFiles: { type: 'integer' } },
    },
    publicLinks: { type: 'boolean' },
    createdAt: { type: 'integer' },
    role: { type: 'string' },
  },
} as const;

export const memberSchema = {
  type: 'object',
  properties: { userId: { type: 'integer' }, username: { type: 'string' }, realName: { type: 'string' }, role: { type: 'string' }, since: { type: 'integer' } },
} as const;

/** Standard error responses for the documentation. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorSchema]));

export const onConflictQuery = {
  onConflict: { type: 'string', enum: ['fail', 'rename', 'version'], description: 'what to do when the name is taken (default fail: 409)' },
} as const;
