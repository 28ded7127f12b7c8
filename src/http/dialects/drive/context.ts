import type { KuraConfig } from '../../../config.js';
import type { Core, Item } from '../../../core/index.js';
import { driveItem } from './render.js';

/** What every drive route needs: the core, the config, and the item renderer. */
export interface Drive {
  core: Core;
  config: KuraConfig;
  /** Items rendered in the spec's shape, creators and modifiers loaded in one query. */
  items(items: Item[]): Promise<Record<string, unknown>[]>;
}

export function makeDrive(core: Core, config: KuraConfig): Drive {
  return {
    core,
    config,
    async items(items) {
      const users = await core.users.many(items.flatMap((i) => [i.createdBy, i.modifiedBy]));
      const ctx = { publicUrl: config.publicUrl, users };
      return items.map((i) => driveItem(i, ctx));
    },
  };
}
