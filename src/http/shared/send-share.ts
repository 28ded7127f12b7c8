import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ShareContent } from '../../core/index.js';
import { contentDisposition, endHead, sendFile } from './send-file.js';

/**
 * Serves a share download for every dialect: a file through sendFile (Range, 304, safe
 * headers) as an attachment, a folder as a zip streamed chunk by chunk (no length known in
 * advance; HEAD answers the headers without building it).
 */
export async function sendShare(req: FastifyRequest, reply: FastifyReply, content: ShareContent): Promise<void> {
  if (content.kind === 'file') {
    await sendFile(req, reply, content.body, { attachment: true, cacheControl: 'private, no-store' });
    return;
  }
  reply.headers({
    'content-type': 'application/zip',
    'content-disposition': contentDisposition('attachment', content.name),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'private, no-store',
    'last-modified': new Date(content.modifiedAt).toUTCString(),
  });
  if (req.method === 'HEAD') {
    endHead(reply);
    return;
  }
  reply.send(content.open());
}

