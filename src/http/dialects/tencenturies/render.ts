import { extensionOf, type Item, type Space } from '../../../core/index.js';

/** Where the CDN copies are served (public, no token): `/files/cdn/<id>[_original].<ext>`. */
export const CDN_PATH = '/files/cdn';

/** `2017-01-01T00:00:00Z` (the spec's form: whole seconds, UTC). */
const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const unix = (ms: number) => Math.floor(ms / 1000);

/** The extension a CDN name carries: the file's own, when it is a plain one. */
function cdnExtension(name: string): string {
  const ext = extensionOf(name);
  return /^[a-z0-9]{1,16}$/.test(ext) ? `.${ext}` : '';
}

/** The public URL of a file (`original`: its full-size `_original` counterpart). */
export const cdnUrl = (publicUrl: string, item: Item, original = false): string => `${publicUrl}${CDN_PATH}/${item.id}${original ? '_original' : ''}${cdnExtension(item.name)}`;

/** The spec's File object; a deleted file reads `false` everywhere but its id, flag and update time. */
export function fileObject(item: Item, publicUrl: string): Record<string, unknown> {
  const deleted = item.trashedAt !== null;
  const updated = deleted ? item.trashedAt! : item.modifiedAt;
  return {
    file: {
      id: item.id,
      name: deleted ? false : item.name,
      size: deleted ? false : item.size,
      mime: deleted ? false : (item.mime ?? 'application/octet-stream'),
      is_deleted: deleted,
    },
    in_post: false,
    in_meta: false,
    is_avatar: false,
    has_metadata: false,
    cdn_url: deleted ? false : cdnUrl(publicUrl, item),
    uploaded_at: iso(item.createdAt),
    uploaded_unix: unix(item.createdAt),
    updated_at: iso(updated),
    updated_unix: unix(updated),
  };
}

/** The spec's Bucket object for the caller's personal space (the usage ledger's counters). */
export function bucketObject(space: Space): Record<string, unknown> {
  return {
    type: space.quota.bytes === null ? 'Unlimited' : 'Standard',
    files: space.usage.files,
    // No quota: the largest exact JSON number, so `limit - used` stays arithmetic for clients.
    limit: space.quota.bytes ?? Number.MAX_SAFE_INTEGER,
    used: space.usage.bytes,
  };
}
