import type { Access } from '../access.js';
import type { CoreContext } from '../context.js';
import { KuraError } from '../errors.js';
import { renderSubject, type Derivatives } from '../images/derivatives.js';
import { derivativeName, type ContentReader, type FileBody } from '../items/content.js';
import { toItem, type Item } from '../items/view.js';
import { exists } from '../items/visibility.js';
import type { RateLimiter, Rule } from '../limits/limiter.js';
import type { Scope } from '../items/scope.js';
import type { ImageRecipe, ItemRow } from '../ports/index.js';
import { TtlCache } from '../ttl-cache.js';

/** Misses one client may make per minute on reads by id; further misses answer 429. */
export const PUBLIC_MISSES: Rule = { name: 'public-miss', limit: 30, windowMs: 60_000, message: 'too many requests for unknown files; try again in a minute' };
export const MISS_LIMIT = PUBLIC_MISSES.limit;

type Meta = Omit<FileBody, 'open' | 'cached' | 'etag'>;
/** A public file's content as found: its blob and how it is served. */
type Found = { hash: string; meta: Meta };

/**
 * A file a public read may serve: one that exists at `now` (live, unexpired, not pending) with
 * content, made public (private by default: set when made, or switched by its owner).
 */
const servable = (item: ItemRow | undefined, now: number): item is ItemRow & { blob_hash: string } =>
  item !== undefined && item.kind === 'file' && item.blob_hash !== null && exists(item, { now }) && Number(item.public_read) === 1;

/**
 * Reads by id without a token (drive `resource`, later social data, CDN URLs). Only files
 * that exist (the existence rule: live, unexpired, not pending) and were made public
 * (`public_read`: set when made, by the face or its caller, and switched by the owner) in
 * spaces whose public links are on, and never a file an access entry hides from anyone. Misses are
 * counted per client by the shared rate limiter (in the database, so every node sees
 * them): past the limit they answer 429, so ids cannot be probed. Hits are cached per node
 * for a few seconds (KURA_AUTH_CACHE_SECONDS) and dropped on any write through this node.
 */
export class PublicReads {
  private readonly hits: TtlCache<string, Found>;
  /** Clients seen not limited within the last second (saves a database read per public read). */
  private readonly cleared: TtlCache<string, true>;

  constructor(
    private readonly ctx: CoreContext,
    private readonly reader: ContentReader,
    private readonly access: Access,
    private readonly limiter: RateLimiter,
    private readonly derivatives: Derivatives,
  ) {
    this.hits = new TtlCache(20_000, ctx.config.authCacheSeconds * 1000, ctx.now);
    this.cleared = new TtlCache(20_000, 1000, ctx.now);
  }

  /** Drops cached answers (every write through this node's core calls it). */
  forget(): void {
    this.hits.clear();
  }

  /** A miss: counted per client; past the limit the answer is 429, not 404. */
  private async miss(client: string): Promise<never> {
    this.cleared.delete(client);
    await this.limiter.hit(PUBLIC_MISSES, client);
    throw new KuraError('not_found', 'file not found');
  }

  /**
   * The metadata of a file anyone may read by id (the same rule as `content`, never
   * cached): for faces that show a public file's attributes to callers without rights on it.
   */
  async item(id: number, opts: { client: string }): Promise<Item> {
    await this.limiter.check(PUBLIC_MISSES, opts.client);
    const item = await this.ctx.store.items.byId(id);
    if (!servable(item, this.ctx.now())) return this.miss(opts.client);
    const space = await this.ctx.store.spaces.byId(Number(item.space_id));
    if (!space || Number(space.public_links) !== 1 || (await this.access.hiddenFromSomeone(item))) return this.miss(opts.client);
    return toItem(item);
  }

  /**
   * The file, or its derivative by `recipe` (images only, its ladder step made now if needed
   * and counted against the client), or by `made` when one was made already (else the file
   * itself: 10Centuries' CDN copy, made at upload only for images that needed it).
   */
  async content(id: number, opts: { client: string; recipe?: ImageRecipe; made?: ImageRecipe; within?: Scope }): Promise<FileBody> {
    // Once limited, a client gets 429 for every read, known ids included: nothing to probe.
    if (!this.cleared.get(opts.client)) {
      await this.limiter.check(PUBLIC_MISSES, opts.client);
      this.cleared.set(opts.client, true);
    }
    const made = opts.made;
    if (!opts.recipe) {
      const found = made ? await this.resolve(id, opts.client, `made:${JSON.stringify(made)}`, opts.within, (item, file) => this.madeOf(item, file, made)) : await this.resolve(id, opts.client, 'original', opts.within);
      return this.reader.body(found.hash, found.meta);
    }
    // A derivative: the file is looked up (and cached) as for the original; the derivatives
    // keep their own caches, so a repeated thumbnail costs no query either.
    const file = await this.resolve(id, opts.client, 'original', opts.within);
    const d = await this.derivatives.get(file.hash, file.meta.mime, opts.recipe, { client: renderSubject(null, opts.client) });
    return this.reader.derivative(d, file.meta.name, file.meta.modifiedAt);
  }

  /** What `made` made of the file, else the file itself. */
  private async madeOf(item: ItemRow & { blob_hash: string }, file: Found, made: ImageRecipe): Promise<Found> {
    const d = await this.derivatives.find(item.blob_hash, made);
    if (!d) return file;
    return { hash: d.hash, meta: { name: derivativeName(item.name, d.mime), size: d.size, mime: d.mime, modifiedAt: Number(item.modified_at) } };
  }

  /**
   * A public file by id (a miss counted, see `miss`), as its content (`pick` may choose
   * another blob of it), cached per node under `what` (and `within`, the face's scope:
   * outside it is a miss like any other, counted, so ids cannot be probed).
   */
  private async resolve(id: number, client: string, what: string, within: Scope | undefined, pick?: (item: ItemRow & { blob_hash: string }, file: Found) => Promise<Found>): Promise<Found> {
    const key = `${id}:${what}${within ? `@${within.name}` : ''}`;
    const hit = this.hits.get(key);
    if (hit) return hit;
    const now = this.ctx.now();
    const item = await this.ctx.store.items.byId(id);
    if (!servable(item, now)) return this.miss(client);
    const space = await this.ctx.store.spaces.byId(Number(item.space_id));
    if (!space || Number(space.public_links) !== 1 || (within && !within.holds({ item, space })) || (await this.access.hiddenFromSomeone(item))) return this.miss(client);
    const file: Found = { hash: item.blob_hash, meta: { name: item.name, size: Number(item.size), mime: item.mime ?? 'application/octet-stream', modifiedAt: Number(item.modified_at) } };
    const found = pick ? await pick(item, file) : file;
    // Items may expire (unpinned social uploads, OneBot dead_time): never cached past that moment.
    this.hits.set(key, found, item.expires_at === null ? Infinity : Number(item.expires_at));
    return found;
  }
}
