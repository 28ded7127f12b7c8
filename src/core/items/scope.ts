import type { ItemRow, SpaceRow } from '../ports/index.js';

/** What a scope judges an item by: its kind, its folder, and its space's kind and root. */
export type ScopeFacts = { item: Pick<ItemRow, 'kind' | 'parent_id'>; space: Pick<SpaceRow, 'kind' | 'root_id'> };

/**
 * A part of the tree a face confines itself to (a flat API shows no folders). Through that
 * face an item outside it does not exist: not_found whatever the caller's rights, so the
 * face never reads or changes what it does not show. The core operation checks it itself
 * (changes inside their transaction), after visibility and before the right asked for, so
 * out of scope is always 404, never 403. Public reads count it as a miss.
 */
export interface Scope {
  /** A short name (part of cache keys). */
  readonly name: string;
  holds(facts: ScopeFacts): boolean;
}

/** Options of the operations a face may confine to a scope. */
export interface Within {
  within?: Scope;
}

/**
 * The files directly in the root folder of a personal space: the media API's files
 * (docs/media.md). Its list shows the caller's own; rights decide whose others it reaches.
 */
export const PERSONAL_TOP: Scope = {
  name: 'personal-top',
  holds: ({ item, space }) => item.kind === 'file' && space.kind === 'personal' && item.parent_id !== null && space.root_id !== null && Number(item.parent_id) === Number(space.root_id),
};
