import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { KuraError, type Actor, type Core, type SlotSpec } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { withFile } from '../../shared/multipart.js';
import { idOf, type Params } from '../../shared/params.js';
import { sendFile } from '../../shared/send-file.js';
import { fileIdOf } from './render.js';
import { AVATAR, NAME_CARD_COVER, namecardPhoto } from './slots.js';

/** Name-card photo positions 1–8, from a path or form value. */
function position(p: Params, name = 'position'): number {
  const v = p[name];
  if (typeof v !== 'string' || !/^[1-8]$/.test(v)) throw new KuraError('bad_request', `${name} must be a whole number from 1 to 8`, { field: name });
  return Number(v);
}

const userParam = (p: Params): number => idOf(p, 'user_id', decimalNumberCodec);

/** Reads a slot and serves it (200, or 304 on a matching validator). */
async function serve(core: Core, req: FastifyRequest, reply: FastifyReply, actor: Actor | null, user: number, spec: SlotSpec): Promise<FastifyReply> {
  const body = await core.slots.read(actor, { user }, spec, req.ip);
  await sendFile(req, reply, body);
  return reply;
}

/** A user's avatar, name-card cover and name-card photos 1–8. */
export const profileRoutes =
  (core: Core): FastifyPluginAsync =>
  async (app) => {
    /** Sets one of the caller's slots from the multipart file part `field`. */
    const set = (field: string, spec: (fields: Params) => SlotSpec) => async (req: FastifyRequest, reply: FastifyReply) => {
      const item = await withFile(req, field, (fields, file) => core.slots.set(req.actor, { user: req.actor.userId }, spec(fields), { name: file.name || `${field}.jpg`, stream: file.stream }, { public: true }));
      reply.code(201);
      return fileIdOf(item);
    };

    app.post('/users/avatar', set('avatar', () => AVATAR));
    app.post('/users/name_card_cover', set('name_card_cover', () => NAME_CARD_COVER));
    // The position comes before the photo (it says which slot the photo goes to).
    app.post('/users/name_card_photo', set('photo', (fields) => namecardPhoto(position(fields))));

    app.delete<{ Params: { position: string } }>('/users/name_card_photo/:position', async (req, reply) => {
      await core.slots.clear(req.actor, { user: req.actor.userId }, namecardPhoto(position(req.params)));
      reply.code(204).send();
    });

    const own = (spec: (p: Params) => SlotSpec) => async (req: FastifyRequest, reply: FastifyReply) => serve(core, req, reply, req.actor, req.actor.userId, spec(req.params as Params));
    const other = (spec: (p: Params) => SlotSpec) => async (req: FastifyRequest, reply: FastifyReply) =>
      serve(core, req, reply, req.optionalActor ?? null, userParam(req.params as Params), spec(req.params as Params));

    const method = ['GET', 'HEAD'];
    app.route({ method, url: '/users/avatar', handler: own(() => AVATAR) });
    app.route({ method, url: '/users/:user_id/avatar', handler: other(() => AVATAR) });
    app.route({ method, url: '/users/name_card_cover', handler: own(() => NAME_CARD_COVER) });
    app.route({ method, url: '/users/:user_id/name_card_cover', handler: other(() => NAME_CARD_COVER) });
    app.route({ method, url: '/users/name_card_photo/:position', handler: own((p) => namecardPhoto(position(p))) });
    // "auth: no": anyone may read a user's name-card photos.
    app.route({ method, url: '/users/:user_id/name_card_photo/:position', config: { auth: 'none' }, handler: other((p) => namecardPhoto(position(p))) });
  };
