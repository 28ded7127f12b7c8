import { badRequest } from '../../core/index.js';
import type { IdCodec } from './ids.js';
import type { ParamDoc, ParamType } from './openapi.js';
import { bool, idOf, idsOf, int, json, type Params, str } from './params.js';

/*
 * Parameter readers that describe themselves (decisions/0047). A dialect that reads named
 * parameters with the toolkit (params.ts: query string, form, JSON body or multipart fields)
 * declares each one once, as a reader: what the handler reads with it is what its route's
 * OpenAPI document says (name, type, whether required, the spec's words). Where a parameter
 * sits follows the method (route-table.ts): the query string of a GET, the body otherwise.
 */

/** A parameter a route documents: a reader, or a file part (multipart.ts reads those). */
export interface ParamDescriptor {
  readonly doc: ParamDoc;
}

/** Reads one named parameter from a request's parameters; 400 when absent (if required) or malformed. */
export interface ParamReader<T> extends ParamDescriptor {
  read(p: Params): T;
}

const docOf = (name: string, type: ParamType, required: boolean, description: string): ParamDoc => ({ name, type, required, description });

/** A reader of any shape: `read` must refuse what `doc` does not promise. */
export const reader = <T>(doc: ParamDoc, read: (p: Params) => T): ParamReader<T> => ({ doc, read });

/** The self-describing forms of params.ts's readers. */
export const param = {
  /** Text, required. */
  str(name: string, description: string): ParamReader<string> {
    return reader(docOf(name, 'string', true, description), (p) => str(p, name));
  },
  /** Text, or undefined when absent or empty. */
  optionalStr(name: string, description: string): ParamReader<string | undefined> {
    return reader(docOf(name, 'string', false, description), (p) => str(p, name, { optional: true }));
  },
  /** An integer (`long` when the spec says so); optional with a default. */
  int(name: string, description: string, opts: { default?: number; long?: boolean } = {}): ParamReader<number> {
    return reader(docOf(name, opts.long ? 'long' : 'int', opts.default === undefined, description), (p) => int(p, name, opts.default));
  },
  /** A boolean, `def` when absent (so never required). */
  bool(name: string, description: string, def: boolean): ParamReader<boolean> {
    return reader(docOf(name, 'bool', false, description), (p) => bool(p, name, def));
  },
  /** JSON text (or real JSON in a JSON body); the handler checks its shape. */
  json<T = unknown>(name: string, description: string, opts: { optional?: boolean } = {}): ParamReader<T | undefined> {
    return reader(docOf(name, 'json', !opts.optional, description), (p) => json<T>(p, name, opts));
  },
  /** An id in a dialect's form; `type` is how the spec types it (e.g. ObjectId). */
  id(name: string, codec: IdCodec, type: ParamType, description: string): ParamReader<number> {
    return reader(docOf(name, type, true, description), (p) => idOf(p, name, codec));
  },
  /** A JSON array of ids in a dialect's form. */
  ids(name: string, codec: IdCodec, description: string): ParamReader<number[]> {
    return reader(docOf(name, 'json', true, description), (p) => idsOf(p, name, codec));
  },
  /** A GUID in any of .NET's forms (N, D, B, P), as 32 lowercase hex digits. */
  guid(name: string, description: string): ParamReader<string> {
    return reader(docOf(name, 'guid', true, description), (p) => {
      const v = str(p, name);
      if (!GUID.test(v)) throw badRequest(`${name} must be a GUID`, { field: name });
      return v.replace(/[^0-9a-f]/gi, '').toLowerCase();
    });
  },
  /** A spec parameter accepted and not needed (documented as optional; its value is never read). */
  ignored(name: string, type: ParamType, description: string): ParamDescriptor {
    return { doc: docOf(name, type, false, description) };
  },
  /** A file part of a multipart body (read by multipart.ts's withFile under this name). */
  file(name: string, description: string): ParamDescriptor {
    return { doc: docOf(name, 'file', true, description) };
  },
};

const GUID = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[})]?$/i;
