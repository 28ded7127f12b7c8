import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { KuraConfig } from '../config.js';
import { badRequest, KuraError, type OpenedSource, type SourceOpener } from '../core/index.js';
import { openConfined } from './local-file.js';
import { fetchSafely, type Resolver } from './safe-url.js';

/** Where an upload's bytes may come from when a client names them instead of sending them. */
export interface SourceLimits {
  /** Directories local paths may be read below (none: local paths refused). */
  localDirs: readonly string[];
  /** URL fetches: size, time and the allowed non-public endpoints. */
  url: { maxBytes: number; connectTimeoutMs: number; timeoutMs: number; allow: readonly string[] };
  /** Largest decoded base64 body. */
  base64MaxBytes: number;
  /** DNS for URL fetches (tests). */
  resolve?: Resolver;
}

export type { OpenedSource } from '../core/index.js';

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** Decodes `base64://…` text within a limit, refusing anything that is not base64. */
export function decodeBase64(text: string, max: number): Buffer {
  const body = text.replace(/\s+/g, '');
  if (Math.floor((body.length * 3) / 4) - 2 > max) throw new KuraError('payload_too_large', `base64 content is larger than the ${max} bytes allowed`, { source: 'base64' });
  if (!BASE64.test(body) || body.length % 4 === 1) throw badRequest('base64:// content is not valid base64', { source: 'base64' });
  const bytes = Buffer.from(body, 'base64');
  if (bytes.length > max) throw new KuraError('payload_too_large', `base64 content is larger than the ${max} bytes allowed`, { source: 'base64' });
  return bytes;
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/** Whether a source names a URL to fetch (http or https), which holds an outbound connection. */
export const isUrlSource = (spec: unknown): boolean => {
  const scheme = typeof spec === 'string' ? SCHEME.exec(spec)?.[1]?.toLowerCase() : undefined;
  return scheme === 'http' || scheme === 'https';
};

/**
 * Opens the bytes a client names, in the forms OneBot implementations accept (and any other
 * dialect may): `base64://…`, `http(s)://…` (fetched safely: safe-url.ts), `file://…`
 * URIs and absolute local paths (read only below the configured directories: local-file.ts).
 */
export async function openSource(spec: string, limits: SourceLimits): Promise<OpenedSource> {
  if (spec.startsWith('base64://')) {
    return { kind: 'base64', stream: Readable.from([decodeBase64(spec.slice('base64://'.length), limits.base64MaxBytes)]), name: undefined };
  }
  const scheme = SCHEME.exec(spec)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    const r = await fetchSafely(spec, { ...limits.url, resolve: limits.resolve });
    return { kind: 'url', stream: r.stream, name: r.name };
  }
  let path = spec;
  if (scheme === 'file') {
    try {
      path = fileURLToPath(spec);
    } catch (e) {
      throw badRequest(`not a usable file:// URI: ${(e as Error).message}`, { source: 'path' });
    }
  } else if (scheme !== undefined) {
    throw badRequest(`unsupported source "${scheme}://": give a local path, file://, base64:// or an http(s) URL`, { field: 'file' });
  }
  const f = await openConfined(path, limits.localDirs);
  return { kind: 'path', stream: f.stream, name: f.name };
}

/** What the configuration allows: local directories, URL fetch limits, the base64 size. */
export const sourceLimitsOf = (config: KuraConfig): SourceLimits => ({ localDirs: config.localUploadDirs, url: config.urlUpload, base64MaxBytes: config.base64MaxBytes });

/** The core's SourceOpener port: openSource() within fixed limits. */
export class SourceReader implements SourceOpener {
  constructor(private readonly limits: SourceLimits) {}

  isUrl(spec: unknown): boolean {
    return isUrlSource(spec);
  }

  open(spec: string): Promise<OpenedSource> {
    return openSource(spec, this.limits);
  }
}
