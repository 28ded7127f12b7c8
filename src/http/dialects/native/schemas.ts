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
    downloadCount: {
      type: 'integer',
      description:
        'downloads through signed links (OneBot get_group_file_url / get_private_file_url / upload_image): each GET of the whole file or of its first bytes. Other downloads (this API, the other dialects, public links) do not count, so reads stay free of database writes; share downloads are counted on the share',
    },
    public: { type: 'boolean', description: 'anyone may read the file by id without a token (drive resource, media and social downloads, CDN URLs) while its space has public links on; false for folders' },
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

/** `public` of an upload: the new files are readable by id without a token (default false). */
export const publicQuery = {
  public: { type: 'string', enum: ['true', 'false'], description: 'true: the new files are readable by id without a token (public reads); default false' },
} as const;

export const onConflictQuery = {
  onConflict: { type: 'string', enum: ['fail', 'rename', 'version'], description: 'what to do when the name is taken (default fail: 409)' },
} as const;

/** The name-clash choices of a move or copy: those of uploads, and replace. */
export const placeConflict = {
  onConflict: {
    type: 'string',
    enum: ['fail', 'rename', 'version', 'replace'],
    description: 'what to do when the name is taken (default fail: 409; version fails too): replace gives the existing file the content as a new version (same id, shares and history); a folder never replaces or is replaced (409)',
  },
} as const;

/** Where an item is: its path below the space root and every level, the root first. */
export const itemPathSchema = {
  type: 'object',
  properties: {
    spaceId: { type: 'integer' },
    path: { type: 'string', description: '`/` for the root, else `/a/b/c` (names as stored, not URL-encoded)' },
    levels: { type: 'array', description: 'the space root first, the item last', items: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } } },
  },
} as const;
