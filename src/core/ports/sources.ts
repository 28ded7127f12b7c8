import type { Readable } from 'node:stream';

/** Bytes a client named instead of sending them, opened for reading. */
export interface OpenedSource {
  kind: 'path' | 'url' | 'base64';
  stream: Readable;
  /** A name the source suggests (file name, URL path), if any. */
  name: string | undefined;
}

/**
 * Where an upload's bytes come from when a client names them instead of sending them
 * (`base64://…`, an `http(s)://` URL, `file://…` or a local path): the core asks, the adapter
 * (src/fetch/) fetches safely or reads below the configured directories, within its limits.
 */
export interface SourceOpener {
  /** Whether `spec` names a URL to fetch, which holds an outbound connection (counted: core.urlFetches). */
  isUrl(spec: unknown): boolean;
  /** Opens the bytes `spec` names; a source it may not or cannot read is refused (KuraError). */
  open(spec: string): Promise<OpenedSource>;
}
