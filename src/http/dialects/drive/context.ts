import type { FastifyRequest } from 'fastify';
import type { KuraConfig } from '../../../config.js';
import type { Actor } from '../../../core/actor.js';
import { KuraError } from '../../../core/errors.js';
import type { Core } from '../../../core/index.js';
import type { Item } from '../../../core/items/view.js';
import { bearerSecret } from '../../shared/auth.js';
import { driveItem } from './render.js';
import type { Params } from './params.js';

/** What every drive route needs: the core, the config, and a few shared steps. */
export interface Drive {
  core: Core;
  config: KuraConfig;
  /** The caller from `UserToken` (query, form or JSON) or an `Authorization: Bearer` header. */
  actor(req: FastifyRequest, p: Params): Promise<Actor>;
  /** Items rendered in the spec's shape, creators and modifiers loaded in one query. */
  items(items: Item[]): Promise<Record<string, unknown>[]>;
}

export function makeDrive(core: Core, config: KuraConfig): Drive {
  return {
    core,
    config,
    async actor(req, p) {
      const t = typeof p.UserToken === 'string' && p.UserToken ? p.UserToken : bearerSecret(req);
      if (!t) throw new KuraError('unauthorized', 'UserToken is required');
      return core.tokens.resolve(t);
    },
    async items(items) {
      const users = await core.users.many(items.flatMap((i) => [i.createdBy, i.modifiedBy]));
      const ctx = { publicUrl: config.publicUrl, users };
      return items.map((i) => driveItem(i, ctx));
    },
  };
}
