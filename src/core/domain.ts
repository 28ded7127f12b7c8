/*
 * The words of Kura's domain. The core defines them; the store and the dialects use them.
 */

export type UserRole = 'admin' | 'user';
export type SpaceKind = 'personal' | 'group' | 'project' | 'chat_room';
export type MemberRole = 'owner' | 'admin' | 'member' | 'viewer';
export type ItemKind = 'file' | 'folder';
export type UploadState = 'open' | 'assembling' | 'done';
/** Which protocol started an upload session: drive slices and native /uploads, or tus. */
export type UploadProtocol = 'slices' | 'tus';
export type ShareKind = 'public' | 'private';

export const SPACE_KINDS: readonly SpaceKind[] = ['personal', 'group', 'project', 'chat_room'];
export const MEMBER_ROLES: readonly MemberRole[] = ['owner', 'admin', 'member', 'viewer'];

/** What usage statistics tell apart, decided by the content's sniffed MIME type. */
export type Category = 'image' | 'audio' | 'video' | 'other';
export const CATEGORIES: readonly Category[] = ['image', 'audio', 'video', 'other'];

export function categoryOf(mime: string | null | undefined): Category {
  if (!mime) return 'other';
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return 'other';
}
