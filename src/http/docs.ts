import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Dialect } from './shared/dialect.js';
import { documentedSchema } from './shared/openapi.js';

type OpenApiDocument = {
  paths?: Record<string, Record<string, { tags?: string[] }>>;
  components?: { schemas?: Record<string, unknown> };
};

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="132" height="40" viewBox="0 0 132 40" role="img" aria-label="Kura">
<rect x="2" y="6" width="28" height="28" rx="6" fill="#2f6f5e"/>
<path d="M9 14h14M9 20h14M9 26h9" stroke="#fff" stroke-width="3" stroke-linecap="round"/>
<text x="38" y="28" font-family="system-ui, sans-serif" font-size="22" font-weight="700" fill="#fff">Kura API</text>
</svg>`;

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f6f5e"/><path d="M8 10h16M8 16h16M8 22h10" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>`;

// The top bar in Kura's colour; the selector of documents stays.
const CSS = `.swagger-ui .topbar { background-color: #1d3f36; } .swagger-ui .topbar .download-url-wrapper .select-label { color: #fff; }`;

/**
 * The API documents and the page that shows them. One @fastify/swagger collects every route;
 * each dialect that describes itself (`Dialect.docs`) gets its own document, served at its
 * `docs.path`, with only its routes, its tags and its security schemes, and with what its
 * route schemas cannot say (multipart bodies, parameters read from query, form or JSON)
 * merged in from its operation notes. `/docs` is swagger-ui titled as Kura's, with a selector
 * over those documents.
 */
export async function registerDocs(app: FastifyInstance, dialects: readonly Dialect[]): Promise<void> {
  const documented = dialects.filter((d): d is Dialect & { docs: NonNullable<Dialect['docs']> } => d.docs !== undefined);
  const ownerOf = (url: string) => documented.find((d) => url.startsWith(d.prefix + '/'));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Kura', version: '1', description: 'Every documented operation of Kura (each dialect also has its own document).' },
    },
    transform: ({ schema, url, route }) => {
      const d = ownerOf(url);
      if (!d) return { schema, url };
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String);
      const method = methods.find((m) => m !== 'HEAD') ?? methods[0];
      const op = d.docs.operations?.[`${method} ${url.slice(d.prefix.length)}`];
      return { schema: documentedSchema(method, schema as Record<string, unknown> | undefined, op, d.docs.answer) as typeof schema, url };
    },
  });

  for (const d of documented) {
    let cached: unknown;
    app.get(d.docs.path, { schema: { hide: true } }, async () => {
      cached ??= documentOf(app.swagger() as OpenApiDocument, d);
      return cached;
    });
  }

  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: {
      // The first document is the one shown first.
      urls: documented.map((d) => ({ url: d.docs.path, name: d.docs.title })),
      deepLinking: true,
      docExpansion: 'list',
      tryItOutEnabled: false,
    },
    theme: {
      title: 'Kura API documentation',
      favicon: [{ filename: 'kura.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: ICON }],
      css: [{ filename: 'kura.css', content: CSS }],
    },
    logo: { type: 'image/svg+xml', content: LOGO, href: '/docs', target: '_self' },
  });
}

/** One dialect's document: its paths out of the whole one, with its own info and security. */
function documentOf(all: OpenApiDocument, d: Dialect & { docs: NonNullable<Dialect['docs']> }): Record<string, unknown> {
  const paths = Object.fromEntries(Object.entries(all.paths ?? {}).filter(([p]) => p.startsWith(d.prefix + '/')));
  return {
    openapi: '3.0.3',
    info: { title: d.docs.title, version: '1', description: d.docs.description },
    tags: d.docs.tags,
    security: d.docs.security,
    components: { ...(all.components?.schemas ? { schemas: all.components.schemas } : {}), securitySchemes: d.docs.securitySchemes },
    paths,
  };
}
