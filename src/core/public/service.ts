import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { jpegThumbnail } from '../../media/thumbnail.js';
import type { Schema } from '../../store/schema.js';
import { releaseBlob } from '../../store/repos/blobs.js';
import { derivativeOf, insertDerivative } from '../../store/repos/derivatives.js';
import { itemById } from '../../store/repos/items.js';
import { countHit, hitsIn } from '../../store/repos/limits.js';
import { spaceById } from '../../store/repos/spaces.js';
import { claimInTx, ensureCommitted, runClaimingTx } from '../blobs/refs.js';
import type { CoreContext } from '../context.js';
import { KuraError } from '../errors.js';
import type { ContentReader, FileBody } from '../items/content.js';

const WINDOW_MS = 60_000;
/** Misses one client may make per minute before every public read of its answers 429. */
export const MISS_LIMIT = 30;
const THUMB = { spec: 'jpeg-256', size: 256 } as const;

/**
 * Reads by id without a token (drive `resource`, later social data, CDN URLs, signed
 * URLs). Only live, unexpired files in spaces whose public links are on; misses are
 * counted per client in the database (shared by every node) and rate-limited, so ids
 * cannot be probed.
 */
export class PublicReads {
  constructor(
    private readonly ctx: CoreContext,
    private readonly db: Kysely<Schema>,
    private readonly reader: ContentReader,
  ) {}

  private async miss(client: string, window: number): Promise<never> {
    await countHit(this.db, `public-miss:${client}`, window);
    throw new KuraError('not_found', 'file not found');
  }

  /** The file (`variant` original) or its JPEG thumbnail (`variant` thumbnail, images only). */
  async content(id: number, opts: { client: string; variant?: 'original' | 'thumbnail' }): Promise<FileBody> {
    const now = this.ctx.now();
    const window = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    if ((await hitsIn(this.db, `public-miss:${opts.client}`, window)) >= MISS_LIMIT) {
      throw new KuraError('rate_limited', 'too many requests for unknown files; try again in a minute');
    }
    const item = await itemById(this.db, id);
    if (!item || item.kind !== 'file' || !item.blob_hash || item.trashed_at !== null || (item.expires_at !== null && Number(item.expires_at) <= now)) return this.miss(opts.client, window);
    const space = await spaceById(this.db, Number(item.space_id));
    if (!space || Number(space.public_links) !== 1) return this.miss(opts.client, window);
    if (opts.variant !== 'thumbnail') {
      return this.reader.body(item.blob_hash, { name: item.name, size: Number(item.size), mime: item.mime ?? 'application/octet-stream', modifiedAt: Number(item.modified_at) });
    }
    if (!item.mime?.startsWith('image/') || item.mime === 'image/svg+xml') throw new KuraError('unsupported_type', 'thumbnails are made of images only');
    const thumb = (await derivativeOf(this.db, item.blob_hash, THUMB.spec)) ?? (await this.makeThumbnail(item.blob_hash));
    const name = item.name.replace(/\.[^.]*$/, '') + '.jpg';
    return this.reader.body(thumb.blob_hash, { name, size: Number(thumb.size), mime: 'image/jpeg', modifiedAt: Number(item.modified_at) });
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
      const fresh = await runClaimingTx(this.db, async (trx) => {
        const now = this.ctx.now();
        const rc = await claimInTx(trx, { hash: staged.hash, size: staged.size, mime: 'image/jpeg', width: null, height: null }, now);
        // Another request made it first: drop this reference again.
        if (!(await insertDerivative(trx, source, THUMB.spec, staged.hash, now))) await releaseBlob(trx, staged.hash, 1, now);
        return rc === 1;
      });
      if (fresh) await ensureCommitted(this.ctx.blobs, staged);
    } finally {
      await this.ctx.blobs.discard(staged);
    }
    const d = await derivativeOf(this.db, source, THUMB.spec);
    if (!d) throw new KuraError('internal', 'thumbnail vanished');
    return d;
  }
}
