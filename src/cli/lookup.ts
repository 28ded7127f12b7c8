import { type Actor, type Core, KuraError, parseId, type Space, type User } from '../core/index.js';

/** Kura's own admin powers: what the CLI acts with. */
export const SYSTEM: Actor = { userId: 0, role: 'admin' };

/** A user named by username or by id (a username wins when both could match). */
export async function findUser(core: Core, raw: string): Promise<User> {
  try {
    return await core.users.byName(raw);
  } catch (e) {
    const id = parseId(raw);
    if (id === undefined) throw e;
    try {
      return await core.users.get(id);
    } catch {
      throw new KuraError('not_found', `no user named or numbered "${raw}"`);
    }
  }
}

/**
 * A space named by id or by name. Names need not be unique: an ambiguous name is refused
 * with the candidates' ids, so the command never acts on the wrong one.
 */
export async function findSpace(core: Core, raw: string): Promise<Space> {
  const id = parseId(raw);
  if (id !== undefined) {
    try {
      return await core.spaces.get(SYSTEM, id);
    } catch {
      // not an id after all: maybe a name made of digits
    }
  }
  const named = await core.spaces.named(SYSTEM, raw);
  if (named.length === 1) return named[0];
  if (named.length === 0) throw new KuraError('not_found', `no space named or numbered "${raw}" (see \`kura space list\`)`);
  throw new KuraError('conflict', `${named.length} spaces are named "${raw}" (ids ${named.map((s) => s.id).join(', ')}): name it by id`);
}

/** The actor the CLI uses inside a space: an admin, in the name of its owner. */
export const ownerActor = (space: Space): Actor => ({ userId: space.ownerId, role: 'admin' });
