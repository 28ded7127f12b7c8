import type { Item, UsageByCategory } from '../../../core/index.js';
import { toObjectId } from '../../shared/ids.js';

/** A file in the spec's shape (`files[]` of upload and list, the answer of delete and update). */
export interface MediaFile {
  created: number;
  id: string;
  maintype: string;
  name: string;
  etag: string;
  owner: string;
  size: number;
  subtype: string;
  updated: number;
}

/** `image/jpeg` → [`image`, `jpeg`]; content without a known type is `application/octet-stream`. */
export function mimeParts(mime: string | null): [string, string] {
  const m = mime ?? 'application/octet-stream';
  const slash = m.indexOf('/');
  return slash < 0 ? [m, ''] : [m.slice(0, slash), m.slice(slash + 1)];
}

export function mediaFile(i: Item): MediaFile {
  const [maintype, subtype] = mimeParts(i.mime);
  return {
    created: i.createdAt,
    id: toObjectId(i.id),
    maintype,
    name: i.name,
    etag: i.sha256 ?? '',
    owner: toObjectId(i.createdBy),
    size: i.size,
    subtype,
    updated: i.modifiedAt,
  };
}

/** `GET /file/stat[/self]`: counts and bytes from the usage ledger. */
export function mediaStats(u: UsageByCategory): { count: Record<string, number>; size: Record<string, number> } {
  const all = Object.values(u);
  return {
    count: { total: all.reduce((n, c) => n + c.files, 0), images: u.image.files, audio: u.audio.files, video: u.video.files },
    size: { total: all.reduce((n, c) => n + c.bytes, 0), images: u.image.bytes, audio: u.audio.bytes, video: u.video.bytes },
  };
}
