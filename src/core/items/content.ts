import { Readable } from 'node:stream';
import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { renderSubject, type Derivative, type Derivatives } from '../images/derivatives.js';
import type { BlobStore, ByteRange, ImageRecipe, MetadataStore } from '../ports/index.js';
import type { Within } from './scope.js';
import { Right } from '../rights.js';
import { TtlCache } from '../ttl-cache.js';

/** What a service answers for a download; every dialect renders it the same way. */
export interface FileBody {
  name: string;
  size: number;
  mime: string;
  /** Strong validator: the content's SHA-256. */
  etag: string;
  modifiedAt: number;
  open(range?: ByteRange): Promise<Readable>;
  /** The whole content, when it is small and already in memory (hot path). */
  cached?: Buffer;
}

const SMALL = 64 * 1024;

/** A derivative's file name: a JPEG made of `photo.png` is `photo.jpg`. */
export const derivativeName = (name: string, mime: string): string => (mime === 'image/jpeg' ? `${name.replace(/\.[^.]*$/, '')}.jpg` : name);

/**
 * Opens content by hash. Content never changes under a hash, so small blobs are kept in a
 * bounded in-memory cache that needs no invalidation.
 */
export class ContentReader {
  private readonly small = new TtlCache<string, Buffer>(4096, 10 * 60_000);

  constructor(private readonly blobs: BlobStore) {}

  async body(hash: string, meta: Omit<FileBody, 'open' | 'cached' | 'etag'>): Promise<FileBody> {
    let cached = meta.size <= SMALL ? this.small.get(hash) : undefined;
    if (!cached && meta.size <= SMALL && meta.size > 0) {
      const chunks: Buffer[] = [];
      for await (const c of await this.blobs.read(hash)) chunks.push(c as Buffer);
      cached = Buffer.concat(chunks);
      this.small.set(hash, cached);
    }
    return new StoredBody(this.blobs, hash, meta.name, meta.size, meta.mime, meta.modifiedAt, cached);
  }

  /** A derivative of file `name` as a FileBody (a JPEG named `.jpg`), kept or in memory. */
  async derivative(d: Derivative, name: string, modifiedAt: number): Promise<FileBody> {
    const shown = derivativeName(name, d.mime);
    if (d.data) return new StoredBody(this.blobs, d.hash, shown, d.size, d.mime, modifiedAt, d.data);
    return this.body(d.hash, { name: shown, size: d.size, mime: d.mime, modifiedAt });
  }
}

/** Content by hash as a FileBody: a plain class (no per-request closures on the hot path). */
class StoredBody implements FileBody {
  constructor(
    private readonly blobs: BlobStore,
    readonly etag: string,
    readonly name: string,
    readonly size: number,
    readonly mime: string,
    readonly modifiedAt: number,
    readonly cached: Buffer | undefined,
  ) {}

  async open(range?: ByteRange): Promise<Readable> {
    if (this.cached) return Readable.from([range ? this.cached.subarray(range.start, range.end + 1) : this.cached]);
    // The whole file as a range: the store then sizes its read buffer to the file, not 1 MiB.
    return this.blobs.read(this.etag, range ?? (this.size > 0 ? { start: 0, end: this.size - 1 } : undefined));
  }
}

export class ContentService {
  constructor(
    private readonly store: MetadataStore,
    private readonly access: Access,
    private readonly reader: ContentReader,
    private readonly derivatives: Derivatives,
  ) {}

  /**
   * A derivative of a file's current content by `recipe` (thumbnails) for a caller with
   * READ_CONTENT: from its ladder step, made once per content (a new one counted against the
   * caller, or `client` without one), then served from the blob store. Its validator is the
   * derivative's own hash; its date the file's.
   */
  async derivative(actor: Actor | null, id: number, recipe: ImageRecipe, opts: { client: string } & Within): Promise<FileBody> {
    const { item } = await this.access.item(actor, id, Right.READ_CONTENT, 'file', opts.within);
    if (item.kind !== 'file' || !item.blob_hash) throw badRequest('a folder has no content');
    const d = await this.derivatives.get(item.blob_hash, item.mime, recipe, { client: renderSubject(actor, opts.client) });
    return this.reader.derivative(d, item.name, Number(item.modified_at));
  }

  /**
   * The content of a file (its current version, or `version`) for a caller with
   * READ_CONTENT (and, with `within`, that lies there).
   */
  async content(actor: Actor | null, id: number, version?: number, opts: Within = {}): Promise<FileBody> {
    const { item } = await this.access.item(actor, id, Right.READ_CONTENT, 'file', opts.within);
    if (item.kind !== 'file' || !item.blob_hash) throw badRequest('a folder has no content; download its files');
    if (version === undefined || version === Number(item.version)) {
      return this.reader.body(item.blob_hash, { name: item.name, size: Number(item.size), mime: item.mime ?? 'application/octet-stream', modifiedAt: Number(item.modified_at) });
    }
    const v = await this.store.versions.byNumber(id, version);
    if (!v) throw new KuraError('not_found', `version ${version} not found`);
    return this.reader.body(v.blob_hash, { name: item.name, size: Number(v.size), mime: v.mime, modifiedAt: Number(v.created_at) });
  }
}
