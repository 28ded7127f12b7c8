import type { Actor } from '../actor.js';
import { CATEGORIES } from '../domain.js';
import { KuraError } from '../errors.js';
import type { MetadataStore, UsageByCategory } from '../ports/index.js';

export type { UsageByCategory };

/** A space whose counters differ from a recount of its items and versions. */
export interface UsageDrift {
  spaceId: number;
  detail: string;
}

/** Reads the usage ledger (statistics never scan items) and checks it against a recount. */
export class UsageService {
  constructor(private readonly store: MetadataStore) {}

  /** Per-category usage of one space. */
  ofSpace(spaceId: number): Promise<UsageByCategory> {
    return this.store.usage.ofSpace(spaceId);
  }

  /** Per-category usage of the caller's personal space (the ledger: no scan). */
  async personal(actor: Actor): Promise<UsageByCategory> {
    const space = await this.store.spaces.personalOf(actor.userId);
    if (!space) throw new KuraError('not_found', 'you have no personal space');
    return this.store.usage.ofSpace(Number(space.id));
  }

  /** Per-category usage of every space together: Kura admins only (it tells of everyone's files). */
  async global(actor: Actor): Promise<UsageByCategory> {
    if (actor.role !== 'admin') throw new KuraError('forbidden', 'only administrators may see the statistics of every user');
    return this.store.usage.all();
  }

  /** Per-category usage summed over every space. */
  all(): Promise<UsageByCategory> {
    return this.store.usage.all();
  }

  /**
   * Recounts every space from its items and versions and compares: the category counters,
   * the stored totals (the categories summed) and the reserved ones (its upload sessions').
   */
  async verify(): Promise<UsageDrift[]> {
    const drift: UsageDrift[] = [];
    for (let after = 0; ; ) {
      const ids = await this.store.usage.spaceIds(after, 200);
      if (ids.length === 0) break;
      for (const spaceId of ids) {
        const [kept, counted, space, reserved] = await Promise.all([this.store.usage.ofSpace(spaceId), this.store.usage.recount(spaceId), this.store.spaces.byId(spaceId), this.store.usage.reservedBy(spaceId)]);
        for (const c of CATEGORIES) {
          if (kept[c].bytes !== counted[c].bytes || kept[c].files !== counted[c].files) {
            drift.push({ spaceId, detail: `${c}: ledger ${kept[c].bytes} bytes / ${kept[c].files} files, recount ${counted[c].bytes} / ${counted[c].files}` });
          }
        }
        const bytes = CATEGORIES.reduce((n, c) => n + counted[c].bytes, 0);
        const files = CATEGORIES.reduce((n, c) => n + counted[c].files, 0);
        if (space && (Number(space.used_bytes) !== bytes || Number(space.used_files) !== files)) {
          drift.push({ spaceId, detail: `stored: ${space.used_bytes} bytes / ${space.used_files} files, recount ${bytes} / ${files}` });
        }
        if (space && (Number(space.reserved_bytes) !== reserved.bytes || Number(space.reserved_files) !== reserved.files)) {
          drift.push({ spaceId, detail: `reserved: ${space.reserved_bytes} bytes / ${space.reserved_files} files, upload sessions hold ${reserved.bytes} / ${reserved.files}` });
        }
      }
      after = ids[ids.length - 1];
    }
    return drift;
  }
}
