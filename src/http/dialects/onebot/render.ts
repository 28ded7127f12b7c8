import type { Item, Space, User } from '../../../core/index.js';

/** Unlimited `limit_count`: the largest int32 (typed clients read it as one). */
export const UNLIMITED_COUNT = 2 ** 31 - 1;
/** Unlimited `total_space`: the largest integer JSON carries exactly. */
export const UNLIMITED_SPACE = Number.MAX_SAFE_INTEGER;
/** `busid` of every file: the one go-cqhttp reports for group files (Kura has one kind). */
export const BUSID = 102;

const seconds = (ms: number) => Math.floor(ms / 1000);
const nameOf = (users: Map<number, User>, id: number) => {
  const u = users.get(id);
  return u ? u.realName || u.username : '';
};

/** The spec's File object. */
export const fileOut = (groupId: number, i: Item, users: Map<number, User>) => ({
  group_id: groupId,
  file_id: String(i.id),
  file_name: i.name,
  busid: BUSID,
  file_size: i.size,
  upload_time: seconds(i.createdAt),
  dead_time: i.expiresAt === null ? 0 : seconds(i.expiresAt),
  modify_time: seconds(i.modifiedAt),
  download_times: i.downloadCount,
  uploader: i.createdBy,
  uploader_name: nameOf(users, i.createdBy),
});

/** The spec's Folder object; `total_file_count` counts the files directly in it. */
export const folderOut = (groupId: number, f: Item, users: Map<number, User>, files: number) => ({
  group_id: groupId,
  folder_id: String(f.id),
  folder_name: f.name,
  create_time: seconds(f.createdAt),
  creator: f.createdBy,
  creator_name: nameOf(users, f.createdBy),
  total_file_count: files,
});

/** `get_group_file_system_info`. */
export const fileSystemInfo = (s: Space) => ({
  file_count: s.usage.files,
  limit_count: s.quota.files ?? UNLIMITED_COUNT,
  used_space: s.usage.bytes,
  total_space: s.quota.bytes ?? UNLIMITED_SPACE,
});

/** NapCat's `create_group_file_folder` answer around the folder, with Lagrange's `msg` and the plain `folder_id`. */
export const createdFolder = (groupId: number, f: Item, users: Map<number, User>) => ({
  folder_id: String(f.id),
  folder_name: f.name,
  msg: 'ok',
  result: { retCode: 0, retMsg: 'ok', clientWording: '' },
  groupItem: {
    peerId: String(groupId),
    type: 0,
    folderInfo: {
      folderId: String(f.id),
      parentFolderId: f.parentId === null ? '/' : String(f.parentId),
      folderName: f.name,
      createTime: seconds(f.createdAt),
      modifyTime: seconds(f.modifiedAt),
      createUin: String(f.createdBy),
      creatorName: nameOf(users, f.createdBy),
      totalFileCount: 0,
      modifyUin: String(f.modifiedBy),
      modifyName: nameOf(users, f.modifiedBy),
      usedSpace: '0',
    },
    fileInfo: null,
  },
});

/** NapCat's and Lagrange's `delete_group_file` answers in one. */
export const deletedFile = (fileId: string) => ({
  msg: 'ok',
  result: 0,
  errMsg: '',
  transGroupFileResult: { result: { retCode: 0, retMsg: 'ok', clientWording: '' }, successFileIdList: [fileId], failFileIdList: [] as string[] },
});

/** NapCat's and Lagrange's `delete_group_folder` answers in one. */
export const deletedFolder = () => ({ msg: 'ok', retCode: 0, retMsg: 'ok', clientWording: '' });
