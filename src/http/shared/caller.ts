import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { type Actor, type Core, KuraError } from '../../core/index.js';
import { credentialError, problemOf, type CredentialStrategy } from './credentials.js';
import type { Params } from './params.js';

/**
 * Whether a route needs a caller (route `config: { auth }`, default `required`):
 * - `required`: the caller is resolved before the handler runs (`req.actor`); without a
 *   credential the answer is unauthorized `{credential: 'missing'}`.
 * - `optional`: resolved when the request carries a credential (`req.optionalActor`).
 * - `none`: public; credentials are never looked at.
 * - `multipart`: required, but the credential may be a multipart field (drive `UserToken`):
 *   the toolkit's multipart reader (multipart.ts) resolves it from the fields read so far,
 *   before the first byte of a file. The handler must read its body through that reader.
 */
export type AuthMode = 'required' | 'optional' | 'none' | 'multipart';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
  interface FastifyRequest {
    /**
     * The caller, resolved once per request by the dialect (dialect.ts). Reading it when
     * there is none throws unauthorized `{credential: 'missing'}`. Only dialect routes have it.
     */
    readonly actor: Actor;
    /** The caller if the request named one (routes with `auth: 'optional'`). */
    readonly optionalActor: Actor | undefined;
  }
}

const kActor = Symbol('kura.actor');
const kCallers = Symbol('kura.callers');

interface Slots {
  [kActor]: Actor | null;
  [kCallers]?: Callers;
}
const slots = (req: FastifyRequest) => req as unknown as Slots;

/** Adds the credential problem to a refusal from a strategy or the core. */
function refused(e: unknown): never {
  if (e instanceof KuraError && e.code === 'unauthorized' && e.details?.credential === undefined) {
    throw new KuraError('unauthorized', e.message, { ...e.details, credential: problemOf(e) });
  }
  throw e;
}

/** One dialect's way to find its callers: its strategies, in order. */
export class Callers {
  private readonly missingMessage: string;

  constructor(
    private readonly core: Core,
    private readonly strategies: readonly CredentialStrategy[],
    missingMessage?: string,
  ) {
    if (strategies.length === 0) throw new Error('a dialect needs at least one credential strategy');
    this.missingMessage = missingMessage ?? `this request needs ${strategies.map((s) => s.hint).join(' or ')}`;
  }

  /**
   * The caller behind the first credential found, or undefined when the request has none.
   * A refusal rejects with the core's error as it is: pass it through `refused`.
   */
  find(req: FastifyRequest, fields?: Params): Promise<Actor> | undefined {
    for (const s of this.strategies) {
      const credential = s.find(req, fields);
      if (credential !== undefined) return s.resolve(this.core, credential, req);
    }
    return undefined;
  }

  missing(): KuraError {
    return credentialError('missing', this.missingMessage);
  }
}

type Handler = (this: FastifyInstance, req: FastifyRequest, reply: FastifyReply) => unknown;
const guarded = new WeakSet<Handler>();

/** A handler that runs once the caller is known (auth `required`). */
function requiring(callers: Callers, handler: Handler): Handler {
  return function (req, reply) {
    const found = callers.find(req);
    if (found === undefined) throw callers.missing();
    return found.then((actor) => {
      slots(req)[kActor] = actor;
      return handler.call(this, req, reply);
    }, refused);
  };
}

/** A handler that knows the caller if the request names one (auth `optional`). */
function accepting(callers: Callers, handler: Handler): Handler {
  return function (req, reply) {
    const found = callers.find(req);
    if (found === undefined) return handler.call(this, req, reply);
    return found.then((actor) => {
      slots(req)[kActor] = actor;
      return handler.call(this, req, reply);
    }, refused);
  };
}

const MODES: readonly AuthMode[] = ['required', 'optional', 'none', 'multipart'];

/**
 * Gives one Fastify context (a dialect's) its callers: `req.actor` and `req.optionalActor`,
 * and every route registered in it from now on resolves its caller as its `auth` says.
 */
export function installCallers(app: FastifyInstance, callers: Callers): void {
  app.decorateRequest(kActor, null);
  app.decorateRequest(kCallers, { getter: () => callers });
  app.decorateRequest('actor', {
    getter(this: FastifyRequest) {
      const a = slots(this)[kActor];
      if (a === null) throw callers.missing();
      return a;
    },
  });
  app.decorateRequest('optionalActor', {
    getter(this: FastifyRequest) {
      return slots(this)[kActor] ?? undefined;
    },
  });
  app.addHook('onRoute', (route: RouteOptions) => {
    const mode = route.config?.auth ?? 'required';
    if (!MODES.includes(mode)) throw new Error(`route ${route.method} ${route.url}: auth must be one of ${MODES.join(', ')}, not ${String(mode)}`);
    const handler = route.handler as Handler;
    if (guarded.has(handler) || mode === 'none' || mode === 'multipart') return;
    const wrapped = mode === 'required' ? requiring(callers, handler) : accepting(callers, handler);
    guarded.add(wrapped);
    route.handler = wrapped as RouteOptions['handler'];
  });
}

/**
 * Resolves the caller of a request whose credential may be among multipart `fields` (over
 * the query string), unless it already has one. Unauthorized when there is no credential.
 */
export async function resolveFromFields(req: FastifyRequest, fields: Params): Promise<void> {
  const s = slots(req);
  if (s[kActor] !== null && s[kActor] !== undefined) return;
  const callers = s[kCallers];
  if (!callers) throw new KuraError('internal', 'multipart credentials read outside a dialect');
  const found = callers.find(req, fields);
  if (found === undefined) throw callers.missing();
  s[kActor] = await found.catch(refused);
}
