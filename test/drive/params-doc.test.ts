import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { blobOf, json } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

/*
 * The drive's document is made from the readers its handlers read with (decisions/0047).
 * This holds the served document against the running handlers, one parameter at a time:
 * every required parameter is refused when absent, every optional one is not needed, every
 * documented value is accepted, and a value not of the documented type is refused.
 */

type Schema = { type?: string; pattern?: string; format?: string; description?: string };
type Param = { name: string; required: boolean; schema: Schema };
type Op = { parameters?: { in: string; name: string; required?: boolean; description?: string; schema: Schema }[]; requestBody?: { content: Record<string, { schema: { properties?: Record<string, Schema>; required?: string[] } }> } };
type Doc = { paths: Record<string, Record<string, Op>> };
interface Operation {
  method: 'GET' | 'POST';
  path: string;
  multipart: boolean;
  params: Param[];
}

/** The parameters of every operation of the served document (query of a GET, body of a POST). */
function operationsOf(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(methods)) {
      const method = m.toUpperCase();
      if (method !== 'GET' && method !== 'POST') continue;
      if (method === 'GET') {
        const params = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: p.required === true, schema: { ...p.schema, description: p.description } }));
        out.push({ method, path, multipart: false, params });
      } else {
        const content = op.requestBody?.content ?? {};
        const multipart = 'multipart/form-data' in content;
        const s = (content['multipart/form-data'] ?? content['application/x-www-form-urlencoded']).schema;
        const params = Object.entries(s.properties ?? {}).map(([name, schema]) => ({ name, required: (s.required ?? []).includes(name), schema }));
        out.push({ method, path, multipart, params });
      }
    }
  }
  return out;
}

describe('drive parameters: the document says what the readers accept', () => {
  let k: TestKura;
  let u: TestUser;
  let doc: Doc;
  let ops: Operation[];

  beforeAll(async () => {
    k = await startKura('sqlite');
    u = await k.user();
    doc = await json(await fetch(`${k.url}/v1/file/openapi.json`));
    ops = operationsOf(doc);
  });
  afterAll(() => k?.stop());

  /** A value of the documented type that its reader takes. */
  const valid = (op: Operation, p: Param): string => {
    const s = p.schema;
    if (p.name === 'Data') return DATA[op.path] ?? '{}';
    if (p.name === 'FileLength') return '5';
    if (s.pattern === '^[0-9a-fA-F]{24}$') return toObjectId(p.name === 'ProjectId' ? u.spaceId : u.rootId);
    if (s.description?.endsWith('(GUID)')) return randomUUID();
    if (s.description?.endsWith('(JSON text)')) return p.name === 'ItemIds' ? JSON.stringify([toObjectId(u.rootId + 1_000_000)]) : p.name === 'Map' ? '["_id"]' : '{}';
    if (s.type === 'integer') return p.name === 'SliceOffset' ? '0' : '1';
    if (s.type === 'boolean') return 'true';
    return p.name === 'ExtName' ? 'txt' : `name-${randomUUID()}`;
  };
  /** `Data` of the right shape for each operation (its handler checks the shape). */
  const DATA: Record<string, string> = {
    get '/v1/file/create_folder_tree'() {
      return JSON.stringify({ ParentId: toObjectId(u.rootId), Name: `tree-${randomUUID()}`, Children: [] });
    },
    get '/v1/file/update_items'() {
      return JSON.stringify({ UpdateInfos: [{ _id: toObjectId(u.rootId), Description: 'd' }] });
    },
  };
  /** A value not of the documented type (undefined where every text is of it). */
  const invalid = (p: Param): string | undefined => {
    const s = p.schema;
    if (s.pattern || s.description?.endsWith('(GUID)')) return 'not-an-id';
    if (s.description?.endsWith('(JSON text)')) return '{';
    if (s.type === 'integer') return 'one';
    if (s.type === 'boolean') return 'maybe';
    return undefined;
  };

  /** Sends an operation with these values (a file part last when the body is multipart). */
  const send = async (op: Operation, values: Record<string, string>): Promise<{ status: number; message: string }> => {
    const url = `${k.url}${op.path}`;
    let res: Response;
    if (op.method === 'GET') {
      res = await fetch(`${url}?${new URLSearchParams(values)}`, { headers: u.auth });
    } else if (op.multipart) {
      const form = new FormData();
      for (const [n, v] of Object.entries(values)) if (v !== FILE) form.append(n, v);
      for (const [n, v] of Object.entries(values)) if (v === FILE) form.append(n, blobOf('hello'), 'a.txt');
      res = await fetch(url, { method: 'POST', headers: u.auth, body: form });
    } else {
      res = await fetch(url, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(values) });
    }
    const type = res.headers.get('content-type') ?? '';
    const message = type.startsWith('application/json') ? String((await json<{ Message?: unknown }>(res)).Message) : (await res.arrayBuffer(), '');
    return { status: res.status, message };
  };
  const FILE = '\u0000file';
  const values = (op: Operation, which: (p: Param) => boolean, change: Record<string, string | undefined> = {}) => {
    const v: Record<string, string> = {};
    for (const p of op.params.filter(which)) v[p.name] = p.schema.format === 'binary' ? FILE : valid(op, p);
    for (const [n, x] of Object.entries(change)) {
      if (x === undefined) delete v[n];
      else v[n] = x;
    }
    return v;
  };
  /** An answer that a reader refused one of these parameters. */
  const refusesParam = (r: { status: number; message: string }) =>
    r.status === 400 && /^\S+ (is required|is not valid JSON|must be (a string|an integer|true or false|an ObjectId|a non-empty JSON array|a GUID))/.test(r.message);

  it('covers every operation of the document', () => {
    expect(ops.length).toBeGreaterThan(30);
    expect(ops.every((o) => o.params.length > 0)).toBe(true);
  });

  it('refuses each required parameter when it is absent, naming it', async () => {
    for (const op of ops) {
      for (const p of op.params.filter((x) => x.required)) {
        const r = await send(op, values(op, () => true, { [p.name]: undefined }));
        expect(r.status, `${op.method} ${op.path} without ${p.name}: ${r.message}`).toBe(400);
        expect(r.message, `${op.method} ${op.path} without ${p.name}`).toContain(p.name);
      }
    }
  });

  it('needs no optional parameter, and no parameter the document does not name', async () => {
    for (const op of ops) {
      for (const which of [() => true, (p: Param) => p.required]) {
        const r = await send(op, values(op, which));
        expect(refusesParam(r), `${op.method} ${op.path}: ${r.status} ${r.message}`).toBe(false);
      }
    }
  });

  it('refuses a value not of the documented type (400 naming it, or the 404 of an unknown id)', async () => {
    for (const op of ops) {
      for (const p of op.params) {
        const bad = invalid(p);
        if (bad === undefined) continue;
        const r = await send(op, values(op, () => true, { [p.name]: bad }));
        expect([400, 404], `${op.method} ${op.path} with ${p.name}=${bad}: ${r.status} ${r.message}`).toContain(r.status);
        if (r.status === 400) expect(r.message, `${op.method} ${op.path} with ${p.name}=${bad}`).toContain(p.name);
      }
    }
  });
});
