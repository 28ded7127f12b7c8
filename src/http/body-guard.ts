import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import { cutOff, wasCutOff } from './shared/cut-off.js';

export interface BodyPace {
  /** Length of each window, ms. */
  windowMs: number;
  /** Bytes each window must bring while a body is being received. */
  minBytes: number;
}

/** Whether a request has a body (a non-zero Content-Length, or a chunked one). */
export const hasBody = (h: Record<string, string | string[] | undefined>): boolean => (h['content-length'] !== undefined && h['content-length'] !== '0') || h['transfer-encoding'] !== undefined;

type Handler = (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) => unknown;

/** Requests of one app whose bodies are arriving now (uploads above all). */
const receiving = new WeakMap<FastifyInstance, Set<{ req: FastifyRequest; reply: FastifyReply }>>();

/**
 * A minimum pace for request bodies, not a cap on long transfers: while a body is being
 * received, every window must bring at least `minBytes` (1 KiB/s over 30 s by default), or
 * the request is answered 408 and its connection closed. A client trickling a byte every
 * few seconds can no longer hold a connection (and an upload's staging file) forever.
 * The requests whose bodies are arriving are known, so a shutdown can answer them
 * (`cutOffBodies`). A handler that fails because its request was cut off is expected: its
 * failure is not logged as an error.
 */
export function guardBodyPace(app: FastifyInstance, pace: BodyPace): void {
  const inFlight = new Set<{ req: FastifyRequest; reply: FastifyReply }>();
  receiving.set(app, inFlight);
  const guard: onRequestHookHandler = (req, reply, done) => {
    if (!hasBody(req.headers)) return done();
    const entry = { req, reply };
    inFlight.add(entry);
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
      req.log.info({ reqId: req.id, bytes: now - seen, windowMs: pace.windowMs }, 'request body too slow: closing');
      void cutOff(req, reply, 408, 'request_timeout', `the request body arrived slower than ${pace.minBytes} bytes per ${pace.windowMs / 1000} s`);
    }, pace.windowMs);
    timer.unref();
    const stop = () => clearInterval(timer);
    req.raw.once('end', stop);
    reply.raw.once('close', () => {
      stop();
      inFlight.delete(entry);
    });
    done();
  };
  // Only on routes that take bodies: GETs (the hot read path) run no extra hook.
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH')) return;
    const own = route.onRequest;
    route.onRequest = own === undefined ? [guard] : [...(Array.isArray(own) ? own : [own]), guard];
    route.handler = quietWhenCutOff(route.handler as Handler) as RouteOptions['handler'];
  });
}

/** The handler, except that its failure after its request was cut off ends quietly (the answer is out). */
function quietWhenCutOff(handler: Handler): Handler {
  return function (req, reply) {
    let result: unknown;
    try {
      result = handler.call(this, req, reply);
    } catch (e) {
      if (wasCutOff(req.raw)) return undefined;
      throw e;
    }
    if (!(result instanceof Promise)) return result;
    return result.catch((e: unknown) => {
      if (wasCutOff(req.raw)) return undefined;
      throw e;
    });
  };
}

/**
 * Answers every request of `app` whose body is still arriving (a shutdown past its grace):
 * 503 with `Retry-After`, connection closed, nothing of the body kept; resolves with how
 * many were answered once the answers are written.
 */
export async function cutOffBodies(app: FastifyInstance, retryAfterSeconds: number): Promise<number> {
  const open = [...(receiving.get(app) ?? [])].filter(({ req, reply }) => !req.raw.complete && !reply.raw.headersSent);
  await Promise.all(
    open.map(({ req, reply }) => {
      req.log.warn({ reqId: req.id, method: req.method, url: req.routeOptions.url }, 'shutting down: a request whose body is still arriving is answered 503');
      return cutOff(req, reply, 503, 'unavailable', 'the server is shutting down; send the request again', { 'retry-after': String(retryAfterSeconds) });
    }),
  );
  return open.length;
}
