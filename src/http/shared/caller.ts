import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preParsingHookHandler, RouteOptions } from 'fastify';
import { type Actor, type Core, KuraError } from '../../core/index.js';
import { hasBody } from '../body-guard.js';
import { bodyFormat, CREDENTIAL_WINDOW, CredentialGate, type BodyFormat } from './credential-gate.js';
import { credentialError, problemOf, type CredentialStrategy } from './credentials.js';
import { lingerOnClose } from './linger.js';
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
 *
 * A request with a body has its caller judged before the body is read whenever the
 * credential is outside it (headers, query string): a missing or refused one ends the
 * request at once, unread, and closes the connection. When a strategy may find it in the
 * body (`bodyField`: a form, JSON or, on `multipart` routes, multipart field), the body is
 * read through a `CredentialGate`: at most `CREDENTIAL_WINDOW` bytes before the credential,
 * which is judged as soon as it arrives.
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
const kBodyCredential = Symbol('kura.bodyCredential');
const kGate = Symbol('kura.gate');

/** What the toolkit keeps on a request, under its own symbols. */
interface RequestState {
  [kActor]: Actor | null;
  [kCallers]?: Callers;
  /** The credential can only be in the body, of this format: its parser reads it through a gate. */
  [kBodyCredential]?: BodyFormat;
  [kGate]?: CredentialGate;
}
const requestState = (req: FastifyRequest) => req as unknown as RequestState;

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
  /** Body fields the strategies may find a credential in (drive `UserToken`), in order. */
  readonly bodyFields: readonly string[];

  constructor(
    private readonly core: Core,
    private readonly strategies: readonly CredentialStrategy[],
    missingMessage?: string,
  ) {
    if (strategies.length === 0) throw new Error('a dialect needs at least one credential strategy');
    this.missingMessage = missingMessage ?? `this request needs ${strategies.map((s) => s.hint).join(' or ')}`;
    this.bodyFields = strategies.flatMap((s) => (s.bodyField === undefined ? [] : [s.bodyField]));
  }

  /** The caller behind a credential found in the body field `field`. */
  resolveField(req: FastifyRequest, field: string, credential: string): Promise<Actor> {
    const s = this.strategies.find((x) => x.bodyField === field);
    if (!s) return Promise.reject(new KuraError('internal', `no strategy reads the body field ${field}`));
    return s.resolve(this.core, credential, req);
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
    // Already judged before the body was read (or while it was).
    if (requestState(req)[kActor] !== null) return handler.call(this, req, reply);
    const found = callers.find(req);
    if (found === undefined) throw callers.missing();
    return found.then((actor) => {
      requestState(req)[kActor] = actor;
      return handler.call(this, req, reply);
    }, refused);
  };
}

/** A handler that knows the caller if the request names one (auth `optional`). */
function accepting(callers: Callers, handler: Handler): Handler {
  return function (req, reply) {
    if (requestState(req)[kActor] !== null) return handler.call(this, req, reply);
    const found = callers.find(req);
    if (found === undefined) return handler.call(this, req, reply);
    return found.then((actor) => {
      requestState(req)[kActor] = actor;
      return handler.call(this, req, reply);
    }, refused);
  };
}

const MODES: readonly AuthMode[] = ['required', 'optional', 'none', 'multipart'];

/**
 * The request ends with this answer: its body is not read, the connection closes after it
 * (lingering a little so a client still sending sees the answer: linger.ts).
 */
function closing(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('connection', 'close');
  lingerOnClose(req.raw.socket);
}

/**
 * Before a body is read: the caller from the headers and query string, judged now; else,
 * when a strategy may find it in a body of this kind, the body is marked to be gated; else
 * (auth `required`, `multipart`) missing, at once.
 */
function beforeBody(callers: Callers, mode: AuthMode): onRequestHookHandler {
  return async function (req, reply) {
    if (!hasBody(req.headers)) return;
    const found = callers.find(req);
    if (found !== undefined) {
      requestState(req)[kActor] = await found.catch((e: unknown) => {
        closing(req, reply);
        return refused(e);
      });
      return;
    }
    if (mode === 'optional') return;
    const format = callers.bodyFields.length > 0 ? bodyFormat(req) : undefined;
    // Multipart fields are read by the toolkit's reader, which only `multipart` routes use.
    if (format !== undefined && (format !== 'multipart' || mode === 'multipart')) {
      requestState(req)[kBodyCredential] = format;
      return;
    }
    closing(req, reply);
    throw callers.missing();
  };
}

/** A body that carries its credential is read through a gate (credential-gate.ts). */
function gateBody(callers: Callers): preParsingHookHandler {
  return async function (req, reply, payload) {
    const format = requestState(req)[kBodyCredential];
    if (format === undefined) return payload;
    const judge = async (field: string, credential: string) => {
      requestState(req)[kActor] = await callers.resolveField(req, field, credential).catch(refused);
    };
    const missing = () => credentialError('missing', `${callers.missing().message} (within the first ${CREDENTIAL_WINDOW / 1024} KiB of the body)`);
    const gate = CredentialGate.for(format, callers.bodyFields, judge, missing);
    // Refused: the connection closes after the answer; what arrives until then is dropped.
    gate.once('error', () => {
      closing(req, reply);
      payload.unpipe(gate);
      payload.resume();
    });
    payload.once('error', (e) => gate.destroy(e));
    payload.pipe(gate);
    requestState(req)[kGate] = gate;
    return gate;
  };
}

/** Adds `hook` to a route's own hooks of `name`, after those it has. */
function addRouteHook(route: RouteOptions, name: 'onRequest' | 'preParsing', hook: onRequestHookHandler | preParsingHookHandler): void {
  const own = route[name] as unknown;
  const list = own === undefined ? [] : Array.isArray(own) ? own : [own];
  (route as unknown as Record<string, unknown>)[name] = [...list, hook];
}

/**
 * Gives one Fastify context (a dialect's) its callers: `req.actor` and `req.optionalActor`,
 * and every route registered in it from now on resolves its caller as its `auth` says.
 */
export function installCallers(app: FastifyInstance, callers: Callers): void {
  app.decorateRequest(kActor, null);
  app.decorateRequest(kCallers, { getter: () => callers });
  app.decorateRequest('actor', {
    getter(this: FastifyRequest) {
      const a = requestState(this)[kActor];
      if (a === null) throw callers.missing();
      return a;
    },
  });
  app.decorateRequest('optionalActor', {
    getter(this: FastifyRequest) {
      return requestState(this)[kActor] ?? undefined;
    },
  });
  app.addHook('onRoute', (route: RouteOptions) => {
    const mode = route.config?.auth ?? 'required';
    if (!MODES.includes(mode)) throw new Error(`route ${route.method} ${route.url}: auth must be one of ${MODES.join(', ')}, not ${String(mode)}`);
    const handler = route.handler as Handler;
    if (mode !== 'none' && takesBody(route)) {
      addRouteHook(route, 'onRequest', beforeBody(callers, mode));
      addRouteHook(route, 'preParsing', gateBody(callers));
    }
    if (guarded.has(handler) || mode === 'none' || mode === 'multipart') return;
    const wrapped = mode === 'required' ? requiring(callers, handler) : accepting(callers, handler);
    guarded.add(wrapped);
    route.handler = wrapped as RouteOptions['handler'];
  });
}

/** Routes whose requests may have a body (every method but GET, HEAD and OPTIONS). */
function takesBody(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return methods.some((m) => m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS');
}

/** Where a handler reads a body it parses itself: through the gate when the credential is in it. */
export function bodyOf(req: FastifyRequest): Readable {
  return requestState(req)[kGate] ?? req.raw;
}

/** A field of a body the handler parses (multipart): a credential field is judged at once. */
export function offerField(req: FastifyRequest, name: string, value: string): void {
  requestState(req)[kGate]?.offer(name, value);
}

/**
 * Resolves the caller of a request whose credential may be among multipart `fields` (over
 * the query string), unless it already has one. Unauthorized when there is no credential.
 */
export async function resolveFromFields(req: FastifyRequest, fields: Params): Promise<void> {
  const s = requestState(req);
  // A credential field of the body may be under judgement: its verdict first.
  await s[kGate]?.settled();
  if (s[kActor] !== null && s[kActor] !== undefined) return;
  const callers = s[kCallers];
  if (!callers) throw new KuraError('internal', 'multipart credentials read outside a dialect');
  const found = callers.find(req, fields);
  if (found === undefined) throw callers.missing();
  s[kActor] = await found.catch(refused);
}
