import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { assertWriter } from '../guard/guard.js';
import { newId } from '../ids.js';
import type { ItemRow, MetadataStore } from '../ports/index.js';
import { has, Right } from '../rights.js';

export interface Favorite {
  id: number;
  itemId: number;
  itemName: string;
  spaceId: number;
  userId: number;
  tags: string[];
  createdAt: number;
}

function checkTags(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > 50 || v.some((t) => typeof t !== 'string' || t.length === 0 || t.length > 64)) {
    throw badRequest('Tags must be an array of at most 50 strings of 1–64 characters', { field: 'Tags' });
  }
  return [...new Set(v as string[])];
}

const parseTags = (s: string): string[] => {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
};

/** A user's favourite items with tags. Lists show only items the user may still see. */
export class FavoriteService {
  constructor(
    private readonly store: MetadataStore,
    private readonly access: Access,
    private readonly now: () => number,
  ) {}

  async list(actor: Actor, spaceId?: number): Promise<Favorite[]> {
    const out: Favorite[] = [];
    for (const r of await this.store.favorites.of(actor.userId, this.now(), spaceId)) {
      const rights = await this.access.rightsOn(actor, { id: Number(r.item_id), space_id: Number(r.space_id), parent_id: r.parent_id === null ? null : Number(r.parent_id) });
      if (!has(rights, Right.READ_ATTRS)) continue;
      out.push({ id: Number(r.id), itemId: Number(r.item_id), itemName: r.item_name, spaceId: Number(r.space_id), userId: Number(r.user_id), tags: parseTags(r.tags), createdAt: Number(r.created_at) });
    }
    return out;
  }

  /** Adds items (or replaces their tags). All are checked first: all are added, or none. */
  async add(actor: Actor, entries: { itemId: number; tags?: unknown }[]): Promise<Favorite[]> {
    assertWriter(actor);
    if (entries.length === 0 || entries.length > 1000) throw badRequest('give 1 to 1000 items to add');
    const checked: { item: ItemRow; tags: string[] }[] = [];
    for (const e of entries) {
      const { item } = await this.access.item(actor, e.itemId, Right.READ_ATTRS);
      checked.push({ item, tags: checkTags(e.tags) });
    }
    const now = this.now();
    return this.store.transaction(async (tx) => {
      const out: Favorite[] = [];
      for (const { item, tags } of checked) {
        const row = await tx.favorites.upsert({ id: newId(), user_id: actor.userId, item_id: Number(item.id), tags: JSON.stringify(tags), created_at: now });
        out.push({ id: Number(row.id), itemId: Number(item.id), itemName: item.name, spaceId: Number(item.space_id), userId: actor.userId, tags, createdAt: Number(row.created_at) });
      }
      return out;
    });
  }

  /** Removes one of the caller's favourites; another user's is not found. */
  async remove(actor: Actor, id: number): Promise<void> {
    assertWriter(actor);
    const row = await this.store.favorites.byId(id);
    if (!row || Number(row.user_id) !== actor.userId) throw new KuraError('not_found', 'favourite not found');
    await this.store.favorites.delete(id);
  }
}
