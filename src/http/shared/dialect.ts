import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { KuraConfig } from '../../config.js';
import type { Core } from '../../core/index.js';
import { Callers, installCallers } from './caller.js';
import type { CredentialStrategy } from './credentials.js';
import { renderErrorsWith, type ErrorRenderer } from './errors.js';
import { boundIntegers } from './integers.js';
import type { DialectDocs } from './openapi.js';

/**
 * One HTTP face of Kura. Everything a dialect does differently is here; everything the
 * dialects share (finding the caller, rendering errors and unknown routes, reading
 * parameters and multipart bodies, serving files) is the toolkit's.
 */
export interface Dialect {
  /** Short name (docs, logs): `native`, `drive`, … */
  readonly name: string;
  /** Mount path of every route of the dialect, e.g. `/v1/file`. */
  readonly prefix: string;
  /** Where callers put their credential, in order: the first strategy that finds one decides. */
  readonly credentials: readonly CredentialStrategy[];
  /** Message when a route that needs a caller gets no credential (default: from the strategies' hints). */
  readonly missingCredential?: string;
  /** Status and envelope of every error and unknown route under the prefix. */
  readonly renderError: ErrorRenderer;
  /**
   * The prefix is shared with another dialect (social and tencenturies under /files): this
   * one renders its own routes' errors but leaves unknown routes under the prefix to the
   * other (Fastify allows one not-found handler per prefix).
   */
  readonly sharesPrefix?: boolean;
  /**
   * Registers the routes (paths relative to the prefix). Routes say whether they need a
   * caller with `config: { auth }` (caller.ts, default `required`) and read it as `req.actor`.
   */
  readonly routes: FastifyPluginAsync;
  /** Its own OpenAPI document (served at `docs.path`, offered in /docs); undocumented dialects are in none. */
  readonly docs?: DialectDocs;
}

/** Builds a dialect for one core and configuration. */
export type DialectFactory = (core: Core, config: KuraConfig) => Dialect;

/**
 * Mounts a dialect under its prefix in its own encapsulated Fastify context: its error
 * renderer and not-found answer, its callers resolved once per request, the integers of its
 * request schemas bounded to what the columns hold, then its routes.
 */
export async function mountDialect(app: FastifyInstance, core: Core, dialect: Dialect): Promise<void> {
  const callers = new Callers(core, dialect.credentials, dialect.missingCredential);
  await app.register(
    async (scope) => {
      renderErrorsWith(scope, dialect.renderError, { notFound: !dialect.sharesPrefix });
      installCallers(scope, callers);
      boundIntegers(scope);
      await scope.register(dialect.routes);
    },
    { prefix: dialect.prefix },
  );
}
