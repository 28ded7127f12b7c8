import type { FastifyContextConfig, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { OperationDoc } from './openapi.js';
import type { ParamDescriptor } from './param-readers.js';

/**
 * A route of a dialect that reads named parameters with the toolkit (param-readers.ts): the
 * same entry registers the route and describes it in the dialect's OpenAPI document, so the
 * document lists exactly the parameters the handler reads (decisions/0047).
 */
export interface TableRoute {
  method: 'GET' | 'POST';
  /** Relative to the dialect's prefix. */
  url: string;
  tags: string[];
  summary: string;
  description?: string;
  /** The success answer is bytes of this type (a download), not the dialect's JSON. */
  produces?: string;
  /** What the handler reads, in the spec's order: readers and file parts. */
  params: readonly ParamDescriptor[];
  /** Route config (`auth`, `secretParams`); `auth: 'none'` documents the operation as public. */
  config?: FastifyContextConfig;
  handler(req: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}

/** Registers a table's routes, in its order (the document's order too). */
export const tableRoutes =
  (routes: readonly TableRoute[]): FastifyPluginAsync =>
  async (app) => {
    for (const r of routes) app.route({ method: r.method, url: r.url, ...(r.config ? { config: r.config } : {}), handler: r.handler });
  };

/** The document's operations of a table (openapi.ts merges them into the routes' schemas), keyed `METHOD /url`. */
export function operationsOf(routes: readonly TableRoute[]): Record<string, OperationDoc> {
  return Object.fromEntries(
    routes.map((r) => [
      `${r.method} ${r.url}`,
      {
        tags: r.tags,
        summary: r.summary,
        ...(r.description ? { description: r.description } : {}),
        ...(r.config?.auth === 'none' ? { public: true } : {}),
        ...(r.produces ? { produces: r.produces } : {}),
        params: r.params.map((p) => p.doc),
      },
    ]),
  );
}
