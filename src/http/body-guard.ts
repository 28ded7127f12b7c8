import type { FastifyInstance, onRequestHookHandler } from 'fastify';

export interface BodyPace {
  /** Length of each window, ms. */
  windowMs: number;
  /** Bytes each window must bring while a body is being received. */
  minBytes: number;
}

/** Whether a request has a body (a non-zero Content-Length, or a chunked one). */
export const hasBody = (h: Record<string, string | string[] | undefined>): boolean => (h['content-length'] !== undefined && h['content-length'] !== '0') || h['transfer-encoding'] !== undefined;

/**
 * A minimum pace for request bodies, not a cap on long transfers: while a body is being
 * received, every window must bring at least `minBytes` (1 KiB/s over 30 s by default), or
 * the request is answered 408 and its connection closed. A client trickling a byte every
 * few seconds can no longer hold a connection (and an upload's staging file) forever.
 */
export function guardBodyPace(app: FastifyInstance, pace: BodyPace): void {
  const guard: onRequestHookHandler = (req, reply, done) => {
    if (!hasBody(req.headers)) return done();
    const socket = req.raw.socket;
    let seen = socket.bytesRead;
    const timer = setInterval(() => {
      if (req.raw.complete) return stop();
      const now = socket.bytesRead;
      if (now - seen >= pace.minBytes) {
        seen = now;
        return;
      }
      stop();
      req.log.info({ bytes: now - seen, windowMs: pace.windowMs }, 'request body too slow: closing');
      const res = reply.raw;
      const close = () => req.raw.destroy(Object.assign(new Error('the request body arrived too slowly'), { code: 'ERR_BODY_TOO_SLOW' }));
      if (res.headersSent) return close();
      res.writeHead(408, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      res.end(JSON.stringify({ error: { code: 'request_timeout', message: `the request body arrived slower than ${pace.minBytes} bytes per ${pace.windowMs / 1000} s` } }), close);
    }, pace.windowMs);
    timer.unref();
    const stop = () => clearInterval(timer);
    req.raw.once('end', stop);
    reply.raw.once('close', stop);
    done();
  };
  // Only on routes that take bodies: GETs (the hot read path) run no extra hook.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH')) return;
    const own = route.onRequest;
    route.onRequest = own === undefined ? [guard] : [...(Array.isArray(own) ? own : [own]), guard];
  });
}
