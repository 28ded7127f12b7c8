import type { KuraConfig } from '../../../config.js';
import { KuraError, type Actor, type Core, type Space } from '../../../core/index.js';
import { allowList } from './types.js';

/** What every tencenturies route needs. */
export interface Tencenturies {
  core: Core;
  config: KuraConfig;
  /** Whether a sniffed type is on the configured allow-list. */
  accept(mime: string): boolean;
  /** The caller's personal space: the account's storage (uploads land in its top folder). */
  personal(actor: Actor): Promise<Space>;
}

export function makeTencenturies(core: Core, config: KuraConfig): Tencenturies {
  const accept = allowList(config.tencenturies.mimeTypes);
  return {
    core,
    config,
    accept,
    async personal(actor) {
      const space = (await core.spaces.listMine(actor)).find((s) => s.kind === 'personal' && s.ownerId === actor.userId);
      if (!space) throw new KuraError('not_found', 'this account has no personal space');
      return space;
    },
  };
}
