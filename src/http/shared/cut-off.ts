import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Requests Kura answered itself while their body was still arriving. */
const cut = new WeakSet<IncomingMessage>();

/**
 * Whether Kura cut this request off (a body too slow, a shutdown past its grace): the
 * failures its handler and body reader then meet are expected, and logged by nobody but
 * the access log, which has the status.
 */
export const wasCutOff = (raw: IncomingMessage): boolean => cut.has(raw);

/** The error a cut-off request's body stream ends with. */
export class CutOff extends Error {
  readonly code = 'ERR_KURA_CUT_OFF';
}

/**
 * Answers a request whose body is still arriving, directly (`status`, the REST error shape,
 * `Connection: close`, any `headers`), then closes its connection; the handler still reading
 * the body sees an error and gives up, having stored nothing. Resolves once the answer is
 * written (or the connection is gone). The access log has its line (onResponse runs when the
 * answer finishes). A request already answered is only closed.
 */
export function cutOff(req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, headers: Record<string, string> = {}): Promise<void> {
  const raw = req.raw;
  cut.add(raw);
  const close = () => raw.destroy(new CutOff(message));
  const res = reply.raw;
  if (res.headersSent || res.destroyed) {
    close();
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    res.once('close', resolve);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close', ...headers });
    res.end(JSON.stringify({ error: { code, message } }), () => {
      close();
      resolve();
    });
  });
}
