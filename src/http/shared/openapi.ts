/*
 * What a dialect says about itself for its OpenAPI document. Route schemas (where a dialect
 * validates with them, as the native API does) document themselves; what a schema cannot
 * say without changing validation (a multipart upload, the drive's parameters that may come
 * from the query, a form or a JSON body) is said here, as operations merged into the
 * document only (http/docs.ts), never into the route: written by hand, or made from a route
 * table whose readers describe themselves (route-table.ts, param-readers.ts).
 */

/** Parameter types as specs write them. */
export type ParamType = 'string' | 'ObjectId' | 'int' | 'long' | 'bool' | 'json' | 'guid' | 'file';

export interface ParamDoc {
  name: string;
  type: ParamType;
  required: boolean;
  description: string;
}

export interface OperationDoc {
  tags: string[];
  summary: string;
  description?: string;
  /**
   * Named parameters: the query string of a GET, the body of any other method
   * (`multipart/form-data` when one is a file, else a form or JSON).
   */
  params?: readonly ParamDoc[];
  /** The operation needs no credential. */
  public?: boolean;
  /** The success answer is bytes of this type (a download), not the dialect's JSON. */
  produces?: string;
  /** OpenAPI route-schema pieces for the document only (e.g. a multipart `body`). */
  schema?: Record<string, unknown>;
}

export interface DialectDocs {
  /** Title of the dialect's document (and of its entry in /docs). */
  title: string;
  description: string;
  /** Where the document is served, e.g. `/v1/file/openapi.json`. */
  path: string;
  securitySchemes: Record<string, Record<string, unknown>>;
  /** Default requirement of every operation (alternatives). */
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  /** Doc-only additions per route, keyed `METHOD /path` relative to the prefix (Fastify's `:param` form). */
  operations?: Record<string, OperationDoc>;
  /** Schema of the JSON answer of routes without a response schema (e.g. the drive's envelope). */
  answer?: Record<string, unknown>;
}

const PARAM_SCHEMAS: Record<ParamType, Record<string, unknown>> = {
  string: { type: 'string' },
  ObjectId: { type: 'string', pattern: '^[0-9a-fA-F]{24}$', description: 'ObjectId: 24 hex digits' },
  int: { type: 'integer' },
  long: { type: 'integer', format: 'int64' },
  bool: { type: 'boolean' },
  json: { type: 'string', description: 'JSON text' },
  guid: { type: 'string', description: 'GUID' },
  file: { type: 'string', format: 'binary' },
};

/** Parameters as one object schema (types from PARAM_SCHEMAS, the spec's words as descriptions). */
export function paramsSchema(params: readonly ParamDoc[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const p of params) {
    const base = PARAM_SCHEMAS[p.type];
    properties[p.name] = { ...base, description: base.description ? `${p.description} (${String(base.description)})` : p.description };
  }
  const required = params.filter((p) => p.required).map((p) => p.name);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

/** The document-only schema of one operation: the route's own schema with `op` merged in. */
export function documentedSchema(method: string, routeSchema: Record<string, unknown> | undefined, op: OperationDoc | undefined, answer: Record<string, unknown> | undefined): Record<string, unknown> {
  const schema: Record<string, unknown> = { ...routeSchema };
  if (!op) return schema;
  schema.tags ??= op.tags;
  schema.summary ??= op.summary;
  if (op.description) schema.description ??= op.description;
  if (op.public) schema.security = [];
  if (op.params && op.params.length > 0) {
    const s = paramsSchema(op.params);
    if (method === 'GET' || method === 'HEAD') schema.querystring ??= s;
    else if (op.params.some((p) => p.type === 'file')) schema.body ??= { content: { 'multipart/form-data': { schema: s } } };
    else schema.body ??= { content: { 'application/x-www-form-urlencoded': { schema: s }, 'application/json': { schema: s } } };
  }
  if (!schema.response) {
    const ok = op.produces ? { description: 'the bytes', content: { [op.produces]: { schema: { type: 'string', format: 'binary' } } } } : answer ? { description: 'the answer', ...answer } : { description: 'done' };
    schema.response = { 200: ok, ...(op.produces && answer ? { default: { description: 'an error', ...answer } } : {}) };
  }
  Object.assign(schema, op.schema);
  return schema;
}
