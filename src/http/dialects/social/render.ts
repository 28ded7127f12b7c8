import type { Item } from '../../../core/index.js';

/** `GET /files/:id/attribute`: the spec's fields, `mine_type` spelled as the spec does. */
export const attribute = (it: Item) => ({
  file_id: it.id,
  file_name: it.name,
  created_at: new Date(it.createdAt).toISOString(),
  type: it.category ?? 'other',
  mine_type: it.mime ?? 'application/octet-stream',
  description: it.description,
  custom_tag: it.customTag,
});

export const fileIdOf = (it: Item) => ({ file_id: it.id });
