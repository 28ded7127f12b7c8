import type { FastifyPluginAsync, FastifyTypeProvider, RawServerDefault } from 'fastify';

/*
 * Request contracts written once (decisions/0047): a route's JSON schema validates the
 * request, documents it (OpenAPI) and, through `FromSchema`, types it. Neither
 * json-schema-to-ts nor TypeBox is a dependency; this is the subset of json-schema-to-ts's
 * `FromSchema` that Kura's schemas use, read off `as const` schemas by the type system alone.
 *
 * Supported: `type` (one name or a list: string, integer, number, boolean, null, array,
 * object), `enum` (its values' literal types), `anyOf` (a union), `items`, `properties` with
 * `required`, and `additionalProperties: true` (any further keys, typed unknown). Keys a
 * schema does not declare are not typed (at run time they are refused only where the schema
 * says `additionalProperties: false`). Anything else (`$ref`, a schema with no type) is
 * `unknown`. Formats, patterns and bounds narrow values, not types: validation enforces them.
 */

/** The TypeScript type of the values a JSON schema (written `as const`) accepts. */
export type FromSchema<S> = S extends { readonly anyOf: readonly (infer A)[] }
  ? FromSchema<A>
  : S extends { readonly enum: readonly (infer E)[] }
    ? E
    : S extends { readonly type: readonly (infer T)[] }
      ? TypeOf<T, S>
      : S extends { readonly type: infer T }
        ? TypeOf<T, S>
        : unknown;

/** One type name of `type` (distributed over a list of names). */
type TypeOf<T, S> = T extends 'string'
  ? string
  : T extends 'integer' | 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : T extends 'array'
          ? ArrayOf<S>
          : T extends 'object'
            ? ObjectOf<S>
            : unknown;

type ArrayOf<S> = S extends { readonly items: infer I } ? FromSchema<I>[] : unknown[];

type RequiredOf<S> = S extends { readonly required: readonly (infer R)[] } ? R : never;

type Extra<S> = S extends { readonly additionalProperties: true } ? Record<string, unknown> : unknown;

type Flat<T> = { [K in keyof T]: T[K] } & {};

type ObjectOf<S> = S extends { readonly properties: infer P }
  ? Flat<
      { -readonly [K in keyof P as K extends RequiredOf<S> ? K : never]: FromSchema<P[K]> } & {
        -readonly [K in keyof P as K extends RequiredOf<S> ? never : K]?: FromSchema<P[K]>;
      } & Extra<S>
    >
  : Record<string, unknown>;

/**
 * Fastify's type provider over `FromSchema`: a route's `params`, `querystring`, `body` and
 * `headers` schemas type `req.params`, `req.query`, `req.body` and `req.headers`. Answers
 * stay untyped by their schemas (the serialiser shapes them; the core's types check them).
 */
export interface SchemaTypes extends FastifyTypeProvider {
  validator: this['schema'] extends object ? FromSchema<this['schema']> : unknown;
  serializer: unknown;
}

/** A plugin of routes whose request types derive from their schemas. */
export type SchemaRoutes = FastifyPluginAsync<Record<never, never>, RawServerDefault, SchemaTypes>;
