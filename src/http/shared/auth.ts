import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../core/actor.js';
import type { Core } from '../../core/index.js';
import { KuraError } from '../../core/errors.js';

/** The secret of an `Authorization: Bearer …` header, if any. */
export function bearerSecret(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

/** The caller behind the request's bearer token; unauthorized when there is none. */
export async function requireActor(core: Core, req: FastifyRequest): Promise<Actor> {
  const secret = bearerSecret(req);
  if (!secret) throw new KuraError('unauthorized', 'this request needs an Authorization: Bearer <token> header');
  return core.tokens.resolve(secret);
}
