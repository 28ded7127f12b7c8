import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { jpegThumbnail } from '../../media/thumbnail.js';
import type { Schema } from '../../store/schema.js';
import { releaseBlob } from '../../store/repos/blobs.js';
import { derivativeOf, insertDerivative } from '../../store/repos/derivatives.js';
import { itemById } from '../../store/repos/items.js';
import { countHit } from '../../store/repos/limits.js';
import { spaceById } from '../../store/repos/spaces.js';
import { claimStaged, runClaimingTx } from '../blobs/refs.js';
import type { CoreContext } from '../context.js';
import { KuraError } from '../errors.js';
import type { ContentReader, FileBody } from '../items/content.js';
import { TtlCache } from '../ttl-cache.js';

const WINDOW_MS = 60_000;
/** Misses one client may make per minute; further misses answer 429. */
export const MISS_LIMIT = 30;
const THUMB = { spec: 'jpeg-256', size: 256 } as const;

/**
 * Reads by id without a token (drive `resource`, later social data, CDN URLs, signed
 * URLs). Only live, unexpired files in spaces whose public links are on. Misses are
 * counted per client in the database (shared by every node): past the limit they answer
 * 429, so ids cannot be probed. Hits are cached per node for a few seconds
 * (KURA_AUTH_CACHE_SECONDS) and dropped on any write through this node.
 */
export class PublicReads {
  constructor(
    private readonly ctx: CoreContext,
    private readonly db: Kysely<Schema>,
    private readonly reader: ContentReader,
  ) {
    this.hits = new TtlCache(20_000, ctx.config.authCacheSeconds * 1000, ctx.now);
  }

  private readonly hits: TtlCache<string, { hash: string; meta: Omit<FileBody, 'open' | 'cached' | 'etag'> }>;

  /** Drops cached answers (every write through this node's core calls it). */
  forget(): void {
    this.hits.clear();
  }

  /** A miss: counted per client in the database; past the limit the answer is 429, not 404. */
  private async miss(client: string): Promise<never> {
    const now = this.ctx.now();
    const count = await countHit(this.db, `public-miss:${client}`, Math.floor(now / WINDOW_MS) * WINDOW_MS);
    if (count > MISS_LIMIT) throw new KuraError('rate_limited', 'too many requests for unknown files; try again in a minute');
    throw new KuraError('not_found', 'file not found');
  }

  /** The file (`variant` original) or its JPEG thumbnail (`variant` thumbnail, images only). */
  async content(id: number, opts: { client: string; variant?: 'original' | 'thumbnail' }): Promise<FileBody> {
    const key = `${id}:${opts.variant ?? 'original'}`;
    const hit = this.hits.get(key);
    if (hit) return this.reader.body(hit.hash, hit.meta);
    const now = this.ctx.now();
    const item = await itemById(this.db, id);
    if (!item || item.kind !== 'file' || !item.blob_hash || item.trashed_at !== null || (item.expires_at !== null && Number(item.expires_at) <= now)) return this.miss(opts.client);
    const space = await spaceById(this.db, Number(item.space_id));
    if (!space || Number(space.public_links) !== 1) return this.miss(opts.client);
    let found: { hash: string; meta: Omit<FileBody, 'open' | 'cached' | 'etag'> };
    if (opts.variant !== 'thumbnail') {
      found = { hash: item.blob_hash, meta: { name: item.name, size: Number(item.size), mime: item.mime ?? 'application/octet-stream', modifiedAt: Number(item.modified_at) } };
    } else {
      if (!item.mime?.startsWith('image/') || item.mime === 'image/svg+xml') throw new KuraError('unsupported_type', 'thumbnails are made of images only');
      const thumb = (await derivativeOf(this.db, item.blob_hash, THUMB.spec)) ?? (await this.makeThumbnail(item.blob_hash));
      found = { hash: thumb.blob_hash, meta: { name: item.name.replace(/\.[^.]*$/, '') + '.jpg', size: Number(thumb.size), mime: 'image/jpeg', modifiedAt: Number(item.modified_at) } };
    }
    // Items may expire: never cache past that moment.
    if (item.expires_at === null) this.hits.set(key, found);
    return this.reader.body(found.hash, found.meta);
  }

  /** Makes the thumbnail once and keeps it as a blob referenced by a derivative row. */
  private async makeThumbnail(source: string): Promise<{ blob_hash: string; size: number }> {
    let jpeg: Buffer;
    try {
      jpeg = await jpegThumbnail(await this.ctx.blobs.read(source), THUMB.size);
    } catch (e) {
      if (e instanceof KuraError) throw e;
      throw new KuraError('unsupported_type', `this image cannot be decoded: ${(e as Error).message}`);
    }
    const staged = await this.ctx.blobs.stage(Readable.from([jpeg]), { maxBytes: jpeg.length });
    try {
      await this.ctx.blobs.commit(staged);
      await runClaimingTx(this.db, async (trx) => {
        const now = this.ctx.now();
        await claimStaged(trx, this.ctx.blobs, staged, { hash: staged.hash, size: staged.size, mime: 'image/jpeg', width: null, height: null }, now);
        // Another request made it first: drop this reference again.
        if (!(await insertDerivative(trx, source, THUMB.spec, staged.hash, now))) await releaseBlob(trx, staged.hash, 1, now);
      });
    } finally {
      await this.ctx.blobs.discard(staged);
    }
    const d = await derivativeOf(this.db, source, THUMB.spec);
    if (!d) throw new KuraError('internal', 'thumbnail vanished');
    return d;
  }
}
