import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../src/http/dialects/index.js';
import type { DialectFactory } from '../../src/http/shared/dialect.js';
import { startKura, type TestKura } from '../helpers/kura.js';

type Op = {
  tags?: string[];
  summary?: string;
  parameters?: { in: string; name: string; required?: boolean; schema?: { type?: string } }[];
  requestBody?: { content: Record<string, { schema: { type?: string; properties?: Record<string, { type?: string; format?: string }>; required?: string[] } }> };
  responses?: Record<string, unknown>;
  security?: unknown[];
};
type Doc = { info: { title: string }; tags: { name: string }[]; paths: Record<string, Record<string, Op>>; components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> } };

/** Every route each dialect registers, seen by a hook of the dialect's own context (independent of the documents). */
const seen = new Map<string, { method: string; url: string }[]>();
const watched: DialectFactory[] = DIALECTS.map((make) => (core, config) => {
  const d = make(core, config);
  return {
    ...d,
    async routes(app) {
      const list = seen.get(d.name) ?? [];
      seen.set(d.name, list);
      app.addHook('onRoute', (r: RouteOptions) => {
        for (const m of [r.method].flat()) list.push({ method: String(m), url: r.url ?? '' });
      });
      await d.routes(app, {});
    },
  };
});

/** Fastify's `/a/:id` as OpenAPI's `/a/{id}`. */
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI documents', () => {
  let k: TestKura;
  let native: Doc;
  let drive: Doc;

  beforeAll(async () => {
    k = await startKura('sqlite', {}, { dialects: watched });
    native = await (await fetch(`${k.url}/api/v1/openapi.json`)).json();
    drive = await (await fetch(`${k.url}/v1/file/openapi.json`)).json();
  });
  afterAll(() => k?.stop());

  for (const [name, prefix, doc] of [
    ['native', '/api/v1', () => native],
    ['drive', '/v1/file', () => drive],
  ] as const) {
    it(`describes every registered ${name} route, with tags, a summary, parameters and responses`, () => {
      const routes = seen.get(name) ?? [];
      expect(routes.length).toBeGreaterThan(30);
      const d = doc();
      const tags = new Set(d.tags.map((t) => t.name));
      for (const r of routes) {
        // Fastify adds HEAD for every GET on its own; explicit HEAD routes are documented.
        const path = openapiPath(r.url);
        const op = d.paths[path]?.[r.method.toLowerCase()];
        if (r.method === 'HEAD' && !op && d.paths[path]?.get) continue;
        expect(op, `${r.method} ${r.url} is in the ${name} document`).toBeDefined();
        expect(op!.tags?.length, `${r.method} ${r.url} has a tag`).toBeGreaterThan(0);
        for (const t of op!.tags!) expect(tags.has(t), `tag ${t} of ${r.url} is declared`).toBe(true);
        expect(op!.summary, `${r.method} ${r.url} has a summary`).toBeTruthy();
        expect(Object.keys(op!.responses ?? {}).length, `${r.method} ${r.url} has responses`).toBeGreaterThan(0);
        for (const p of path.match(/\{[^}]+\}/g) ?? []) expect(op!.parameters?.some((x) => x.in === 'path' && `{${x.name}}` === p), `${path} documents ${p}`).toBe(true);
      }
      // Nothing else: each document has only its dialect's paths.
      for (const p of Object.keys(d.paths)) expect(p.startsWith(prefix + '/')).toBe(true);
    });
  }

  it('gives uploads a file picker: multipart/form-data with a binary part', () => {
    for (const [doc, path, field] of [
      [native, '/api/v1/items/{id}/children', 'file'],
      [native, '/api/v1/items/{id}/versions', 'file'],
      [drive, '/v1/file/upload', 'File'],
      [drive, '/v1/file/update', 'File'],
      [drive, '/v1/file/upload_large_file', 'SliceData'],
      [drive, '/v1/file/update_large_file', 'SliceData'],
    ] as const) {
      const schema = doc.paths[path].post.requestBody?.content['multipart/form-data']?.schema;
      expect(schema?.properties?.[field], `${path} ${field}`).toEqual(expect.objectContaining({ type: 'string', format: 'binary' }));
      expect(schema?.required).toContain(field);
    }
    expect(Object.keys(native.paths['/api/v1/uploads/{key}'].put.requestBody!.content)).toEqual(['application/octet-stream']);
  });

  it("carries the drive spec's parameters, UserToken as the security scheme", () => {
    expect(drive.components.securitySchemes.UserToken).toEqual(expect.objectContaining({ type: 'apiKey', in: 'query', name: 'UserToken' }));
    const query = (p: string) => (drive.paths[p].get.parameters ?? []).filter((x) => x.in === 'query').map((x) => [x.name, x.required ?? false]);
    expect(query('/v1/file/children')).toEqual([['FolderId', true], ['ListParams', false]]);
    expect(query('/v1/file/descendants')).toEqual([['FolderId', true], ['ContainsFile', false], ['ListParams', false]]);
    expect(query('/v1/file/download_large_file')).toEqual([['FileId', true], ['SliceOffset', true], ['SliceLength', false]]);
    expect(query('/v1/file/thumbnail')).toEqual([['ExtName', true], ['ThumbnailType', true]]);
    const upload = drive.paths['/v1/file/upload_large_file'].post.requestBody!.content['multipart/form-data'].schema;
    expect(Object.keys(upload.properties!)).toEqual(['FileName', 'ParentId', 'FileTempId', 'SliceOffset', 'FileLength', 'SliceData']);
    const move = drive.paths['/v1/file/move_items'].post.requestBody!.content;
    expect(Object.keys(move)).toEqual(['application/x-www-form-urlencoded', 'application/json']);
    expect(move['application/x-www-form-urlencoded'].schema.required).toEqual(['DestFolderId', 'ItemIds']);
    // Operations the spec lists without UserToken need no credential; the rest use the document's.
    for (const p of ['/v1/file/thumbnail', '/v1/file/resource', '/v1/file/share/download', '/v1/file/download_share_file']) expect(drive.paths[p].get.security).toEqual([]);
    expect(drive.paths['/v1/file/children'].get.security).toBeUndefined();
    expect(JSON.stringify(drive.paths['/v1/file/children'].get.responses?.['200'])).toContain('IsOk');
    expect(native.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });

  it("serves /docs as Kura's page, offering both documents", async () => {
    const html = await (await fetch(`${k.url}/docs`)).text();
    expect(html).toContain('<title>Kura API documentation</title>');
    expect(html).not.toContain('Swagger UI');
    const init = await (await fetch(`${k.url}/docs/static/swagger-initializer.js`)).text();
    expect(init).toContain(JSON.stringify([{ url: '/api/v1/openapi.json', name: native.info.title }, { url: '/v1/file/openapi.json', name: drive.info.title }]).slice(1, -1));
    expect(native.info.title).toMatch(/^Kura /);
    expect(drive.info.title).toMatch(/^Kura /);
    const icon = await fetch(`${k.url}/docs/static/theme/kura.svg`);
    expect(icon.status).toBe(200);
  });
});
