import { objectIdCodec } from '../../shared/ids.js';
import { param } from '../../shared/param-readers.js';

/** Parameters several drive routes read, in the spec's words (each route lists what it reads). */
export const ProjectId = param.id('ProjectId', objectIdCodec, 'ObjectId', '项目Id');
export const ParentId = param.id('ParentId', objectIdCodec, 'ObjectId', '父文件夹Id');
export const ItemIds = param.ids('ItemIds', objectIdCodec, '文件项Id的集合');
/** `Id` of a file (update, resource, update_large_file). */
export const FileIdParam = param.id('Id', objectIdCodec, 'ObjectId', '文件Id');
