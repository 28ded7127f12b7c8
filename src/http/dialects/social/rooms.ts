import type { FastifyPluginAsync } from 'fastify';
import type { Core } from '../../../core/index.js';
import { decimalNumberCodec } from '../../shared/ids.js';
import { withFile } from '../../shared/multipart.js';
import { idOf } from '../../shared/params.js';
import { sendFile } from '../../shared/send-file.js';
import { fileIdOf } from './render.js';
import { ROOM_COVER } from './slots.js';

/** Chat-room cover images: set by the room's owners and admins, read by its members. */
export const roomRoutes =
  (core: Core): FastifyPluginAsync =>
  async (app) => {
    // chat_room_id comes before cover_image (it says whose cover the file is); the query string works too.
    app.post('/chat_rooms/cover_image', async (req, reply) => {
      const item = await withFile(req, 'cover_image', (fields, file) =>
        core.slots.set(req.actor, { space: idOf(fields, 'chat_room_id', decimalNumberCodec) }, ROOM_COVER, { name: file.name || 'cover.jpg', stream: file.stream }, { public: true }),
      );
      reply.code(201);
      return fileIdOf(item);
    });

    app.route<{ Params: { chat_room_id: string } }>({
      method: ['GET', 'HEAD'],
      url: '/chat_rooms/:chat_room_id/cover_image',
      handler: async (req, reply) => {
        const body = await core.slots.read(req.actor, { space: idOf(req.params, 'chat_room_id', decimalNumberCodec) }, ROOM_COVER);
        await sendFile(req, reply, body);
        return reply;
      },
    });
  };
