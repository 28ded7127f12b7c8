import type { FastifyRequest } from 'fastify';
import type { KuraConfig } from '../../../config.js';
import { type Actor, type Core, type Item, KuraError, type SignedLink, type Space } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { idOf, type Params } from '../../shared/params.js';
import { DOWNLOAD_PATH } from './envelope.js';
import { text } from './transport.js';

/** What every OneBot action needs: the core, the settings, and the look-ups of the spec's ids. */
export interface OneBot {
  core: Core;
  config: KuraConfig;
  /** The group space `group_id` names, if the caller is in it (else: group not found). */
  group(actor: Actor, p: Params): Promise<Space>;
  /** A folder of the group: `/`, empty or absent is its root. */
  folderIn(actor: Actor, group: Space, raw: string | undefined, field: string): Promise<number>;
  /** The file `file_id` names in the group. */
  fileIn(actor: Actor, group: Space, p: Params): Promise<Item>;
  /** The absolute URL of a signed link. */
  linkUrl(link: SignedLink): string;
}

/** Ids are read from JSON numbers or decimal text (query, form); file and folder ids are rendered as decimal strings. */
export const ids = decimalNumberCodec;

export function makeOneBot(core: Core, config: KuraConfig): OneBot {
  const notFound = (what: string) => new KuraError('not_found', `${what} not found`);
  const itemIn = async (actor: Actor, group: Space, id: number, kind: 'file' | 'folder'): Promise<Item> => {
    const item = await core.items.get(actor, id).catch((e: unknown) => {
      throw e instanceof KuraError && e.code === 'not_found' ? notFound(kind) : e;
    });
    if (item.spaceId !== group.id || item.kind !== kind) throw notFound(kind);
    return item;
  };
  return {
    core,
    config,
    async group(actor, p) {
      const id = idOf(p, 'group_id', ids);
      const space = await core.spaces.get(actor, id).catch((e: unknown) => {
        throw e instanceof KuraError && e.code === 'not_found' ? notFound('group') : e;
      });
      if (space.kind !== 'group') throw notFound('group');
      return space;
    },
    async folderIn(actor, group, raw, field) {
      if (raw === undefined || raw === '' || raw === '/') return group.rootId;
      const id = ids.decode(raw);
      if (id === undefined) throw new KuraError('bad_request', `${field} must be a folder id or "/"`, { field });
      return (await itemIn(actor, group, id, 'folder')).id;
    },
    async fileIn(actor, group, p) {
      const raw = text(p, 'file_id');
      const id = raw === undefined ? undefined : ids.decode(raw);
      if (raw === undefined) throw new KuraError('bad_request', 'file_id is required', { field: 'file_id' });
      if (id === undefined) throw new KuraError('bad_request', 'file_id must be a file id', { field: 'file_id' });
      return itemIn(actor, group, id, 'file');
    },
    linkUrl(link) {
      const q = new URLSearchParams({ user: String(link.userId), expires: String(link.expires), signature: link.signature });
      return `${config.publicUrl}/onebot${DOWNLOAD_PATH}${link.itemId}?${q}`;
    },
  };
}

/** The client address for per-client limits. */
export const clientOf = (req: FastifyRequest) => req.ip;
