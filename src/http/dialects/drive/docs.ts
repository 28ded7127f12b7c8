import type { DialectDocs } from '../../shared/openapi.js';

/*
 * The drive's document (spec 002). Its routes read their parameters with the toolkit (from
 * the query string, a form or JSON body, or multipart fields), so the parameters are written
 * here, from the spec's tables: name, whether required, type and the spec's own words.
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

export const driveDocs: DialectDocs = {
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
  operations: {
    'POST /upload': {
      tags: ['files'],
      summary: 'Upload a file (文件-上传文件)',
      params: [
        { name: 'FileName', type: 'string', required: true, description: '文件名（不包含路径）' },
        { name: 'ParentId', type: 'ObjectId', required: true, description: '父文件夹Id' },
        { name: 'File', type: 'file', required: true, description: '文件信息' },
      ],
    },
    'POST /update': {
      tags: ['files'],
      summary: 'Upload new content for a file (a new version) (文件-更新文件)',
      params: [
        { name: 'Id', type: 'ObjectId', required: true, description: '文件Id' },
        { name: 'File', type: 'file', required: true, description: '文件信息' },
      ],
    },
    'POST /upload_large_file': {
      tags: ['slices'],
      summary: 'Upload a large file in slices (文件-上传文件（大文件分片上传）)',
      params: [
        { name: 'FileName', type: 'string', required: true, description: '文件名（不包含路径）' },
        { name: 'ParentId', type: 'ObjectId', required: true, description: '父文件夹Id' },
        { name: 'FileTempId', type: 'guid', required: true, description: '文件临时标识' },
        { name: 'SliceOffset', type: 'long', required: true, description: '分片偏移位置' },
        { name: 'FileLength', type: 'long', required: true, description: '文件总大小' },
        { name: 'SliceData', type: 'file', required: true, description: '文件分片信息' },
      ],
    },
    'POST /update_large_file': {
      tags: ['slices'],
      summary: 'Update a large file in slices (文件-更新文件（大文件分片上传）)',
      params: [
        { name: 'Id', type: 'ObjectId', required: true, description: '文件Id' },
        { name: 'FileTempId', type: 'guid', required: true, description: '文件临时标识' },
        { name: 'SliceOffset', type: 'long', required: true, description: '分片偏移位置' },
        { name: 'FileLength', type: 'long', required: true, description: '文件总大小' },
        { name: 'SliceData', type: 'file', required: true, description: '文件分片信息' },
      ],
    },
    'GET /download': {
      tags: ['files'],
      summary: 'Download a file (Range, ETag, 304) (文件-下载文件)',
      produces: 'application/octet-stream',
      params: [
        { name: 'FileId', type: 'ObjectId', required: true, description: '下载文件的Id' },
      ],
    },
    'GET /download_large_file': {
      tags: ['slices'],
      summary: 'Download a slice of a large file (文件-下载文件（大文件分片下载）)',
      produces: 'application/octet-stream',
      params: [
        { name: 'FileId', type: 'ObjectId', required: true, description: '下载文件的Id' },
        { name: 'SliceOffset', type: 'long', required: true, description: '文件分片偏移位置' },
        { name: 'SliceLength', type: 'long', required: false, description: '分片的长度（字节），默认为1024x1024（1M）' },
      ],
    },
    'POST /create_folder': {
      tags: ['folders'],
      summary: 'Create a folder (文件-创建文件夹)',
      params: [
        { name: 'FolderName', type: 'string', required: true, description: '文件夹名（不包含路径）' },
        { name: 'ParentId', type: 'ObjectId', required: true, description: '父文件夹Id' },
        { name: 'ItemType', type: 'int', required: false, description: '文件项类型：0-普通；1-系统项，默认为0' },
      ],
    },
    'POST /create_folder_tree': {
      tags: ['folders'],
      summary: 'Create a folder tree (all or nothing) (文件-创建文件目录树)',
      params: [
        { name: 'Data', type: 'json', required: true, description: '文件夹树信息' },
      ],
    },
    'GET /project_folder': {
      tags: ['folders'],
      summary: "A project's root folder (文件-获取项目文件夹)",
      params: [
        { name: 'ProjectId', type: 'ObjectId', required: true, description: '项目Id' },
      ],
    },
    'GET /parent': {
      tags: ['folders'],
      summary: "An item's parent folder (文件-获取父文件夹)",
      params: [
        { name: 'ItemId', type: 'ObjectId', required: true, description: '文件项Id' },
      ],
    },
    'GET /descendants': {
      tags: ['folders'],
      summary: 'Everything below a folder (filter, map) (文件-获取文件夹下所有子项（筛选、映射）)',
      params: [
        { name: 'FolderId', type: 'ObjectId', required: true, description: '文件夹Id' },
        { name: 'ContainsFile', type: 'bool', required: false, description: '是否包含文件（默认为true）' },
        { name: 'ListParams', type: 'json', required: false, description: '集合的筛选、映射参数' },
      ],
    },
    'GET /ancestors': {
      tags: ['folders'],
      summary: "An item's ancestors (map) (文件-获取文件项所有父项（映射）)",
      params: [
        { name: 'ItemId', type: 'ObjectId', required: true, description: '文件项Id' },
        { name: 'Map', type: 'json', required: false, description: '返回的属性映射数组' },
      ],
    },
    'GET /children': {
      tags: ['folders'],
      summary: "A folder's children (filter, map) (文件-获取文件夹子项（筛选、映射）)",
      params: [
        { name: 'FolderId', type: 'ObjectId', required: true, description: '文件夹Id' },
        { name: 'ListParams', type: 'json', required: false, description: '集合的筛选、映射参数' },
      ],
    },
    'GET /info': {
      tags: ['items'],
      summary: 'Details of several items (batch, map) (文件-获取多个文件项的详细信息（批量、映射）)',
      params: [
        { name: 'ItemIds', type: 'json', required: true, description: '文件项Id的集合' },
        { name: 'Map', type: 'json', required: false, description: '返回的属性映射数组' },
      ],
    },
    'GET /thumbnail': {
      tags: ['files'],
      summary: 'Icon of a file type (文件-获取文件图标)',
      public: true,
      produces: 'image/png',
      params: [
        { name: 'ExtName', type: 'string', required: true, description: '文件的扩展名' },
        { name: 'ThumbnailType', type: 'int', required: true, description: '缩略图类型（1小图2大图）' },
      ],
    },
    'GET /resource': {
      tags: ['files'],
      summary: 'A file or its thumbnail, without a token (文件-获取资源文件)',
      public: true,
      produces: 'application/octet-stream',
      params: [
        { name: 'Id', type: 'ObjectId', required: true, description: '文件Id' },
        { name: 'Type', type: 'int', required: false, description: '默认0原始文件，1为缩略图（图片类型）' },
      ],
    },
    'POST /delete_items': {
      tags: ['items'],
      summary: 'Delete items to the recycle bin (batch) (文件-删除文件项（批量）)',
      params: [
        { name: 'ItemIds', type: 'json', required: true, description: '文件项Id的集合' },
      ],
    },
    'POST /update_items': {
      tags: ['items'],
      summary: 'Update items (batch) (文件-更新文件项（批量）)',
      params: [
        { name: 'Data', type: 'json', required: true, description: '更新项信息集合' },
      ],
    },
    'POST /update_permission': {
      tags: ['items'],
      summary: 'Update access entries (文件-更新权限信息)',
      params: [
        { name: 'Data', type: 'json', required: true, description: '更新的权限信息集合' },
      ],
    },
    'GET /exist': {
      tags: ['items'],
      summary: 'Whether an item exists (文件-查找文件项是否存在)',
      params: [
        { name: 'ItemId', type: 'ObjectId', required: true, description: '文件项Id' },
      ],
    },
    'POST /move_items': {
      tags: ['items'],
      summary: 'Move items (batch, all or nothing) (文件-移动文件项（批量）)',
      params: [
        { name: 'DestFolderId', type: 'ObjectId', required: true, description: '目标文件夹Id（移动到此目录）' },
        { name: 'ItemIds', type: 'json', required: true, description: '文件项Id的集合' },
      ],
    },
    'POST /copy_items': {
      tags: ['items'],
      summary: 'Copy items (batch, all or nothing) (文件-复制文件项（批量）)',
      params: [
        { name: 'DestFolderId', type: 'ObjectId', required: true, description: '目标文件夹Id（移动到此目录）' },
        { name: 'ItemIds', type: 'json', required: true, description: '文件项Id的集合' },
      ],
    },
    'GET /recycle/list': {
      tags: ['recycle'],
      summary: 'Items in the recycle bin (回收站-获取回收站文件项列表)',
      params: [
        { name: 'ProjectId', type: 'ObjectId', required: true, description: '项目Id' },
      ],
    },
    'POST /recycle/reduction': {
      tags: ['recycle'],
      summary: 'Restore items from the recycle bin (batch) (回收站-还原回收站文件项（批量）)',
      params: [
        { name: 'ItemIds', type: 'json', required: true, description: '文件项Id的集合' },
      ],
    },
    'POST /recycle/clear': {
      tags: ['recycle'],
      summary: 'Empty the recycle bin (回收站-清空回收站)',
      params: [
        { name: 'ProjectId', type: 'ObjectId', required: true, description: '项目Id' },
      ],
    },
    'GET /favorite/list': {
      tags: ['favorites'],
      summary: 'Favourite files (收藏-收藏文件列表)',
      params: [
        { name: 'ProjectId', type: 'ObjectId', required: true, description: '项目Id' },
      ],
    },
    'POST /favorite/add': {
      tags: ['favorites'],
      summary: 'Add files to the favourites (batch) (收藏-添加文件到收藏(批量))',
      params: [
        { name: 'Data', type: 'json', required: true, description: '收藏信息' },
      ],
    },
    'POST /favorite/delete': {
      tags: ['favorites'],
      summary: 'Remove a favourite (收藏-移除收藏文件)',
      params: [
        { name: 'Id', type: 'ObjectId', required: true, description: '收藏Id' },
      ],
    },
    'GET /share/list': {
      tags: ['shares'],
      summary: 'Shares of a project (分享-获取分享文件列表)',
      params: [
        { name: 'ProjectId', type: 'ObjectId', required: true, description: '项目Id' },
      ],
    },
    'POST /share/add': {
      tags: ['shares'],
      summary: 'Share items (batch) (分享-添加分享文件（批量）)',
      params: [
        { name: 'ItemIds', type: 'json', required: true, description: '文件项Id的集合' },
        { name: 'ShareType', type: 'int', required: true, description: '分享类型（1为公开、2为私密）' },
      ],
    },
    'POST /share/delete': {
      tags: ['shares'],
      summary: 'Remove a share (分享-移除分享文件)',
      params: [
        { name: 'Id', type: 'ObjectId', required: true, description: '文件分享Id' },
        { name: 'ExtraCode', type: 'string', required: false, description: '提取码 (the code of a private share)' },
      ],
    },
    'GET /share/download': {
      tags: ['shares'],
      summary: 'Download a share, without a token (分享-下载分享文件)',
      public: true,
      produces: 'application/octet-stream',
      params: [
        { name: 'Id', type: 'ObjectId', required: true, description: '文件分享Id' },
        { name: 'ExtraCode', type: 'string', required: false, description: '提取码 (the code of a private share)' },
      ],
    },
    'GET /download_share_file': {
      tags: ['shares'],
      summary: 'Download a share by its ShareUrl, without a token (the spec’s ShareUrl)',
      public: true,
      produces: 'application/octet-stream',
      params: [
        { name: 'ShareId', type: 'ObjectId', required: true, description: '文件分享Id (the share’s _id)' },
        { name: 'ExtraCode', type: 'string', required: false, description: '提取码 (the code of a private share)' },
      ],
    },
  },
};
