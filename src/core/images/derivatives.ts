import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Actor } from '../actor.js';
import { claimStaged, runClaimingTx } from '../storage/refs.js';
import { KuraError } from '../errors.js';
import type { RateLimiter, Rule } from '../limits/limiter.js';
import { TtlCache } from '../ttl-cache.js';
import { recipeKey, type BlobStore, type ImageEngine, type ImageInfo, type ImageRecipe, type ImageSource, type MetadataStore, type RenderedImage, type Repos, type StagedBlob } from '../ports/index.js';
import { answersAsIs, KEPT_SPECS, ladderStep } from './ladder.js';

/**
 * A derivative: a kept one is its own blob (`hash`); one scaled or cropped from a kept one
 * to a size off the ladder is held in memory (`data`, whose SHA-256 is `hash`).
 */
export interface Derivative {
  hash: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
  /** The bytes, when the derivative is not a blob of its own. */
  data?: Buffer;
}

/**
 * A derivative made with an upload, before anything is recorded, and recorded in the
 * upload's transaction (10Centuries' web copy): a refusal or a failure records neither.
 */
export interface UploadDerivative {
  /** Sniffed types it applies to (each probed, so an unreadable one is refused); others are stored as they came. */
  applies(mime: string): boolean;
  /** A kept recipe (the web copy, a ladder step). */
  recipe: ImageRecipe;
  /** Whether this image gets its rendering, from the probe's answer. */
  wanted(info: ImageInfo): boolean;
}

/** A rendering made for an upload, its bytes committed, not yet recorded. */
export interface PreparedDerivative {
  source: string;
  spec: string;
  staged: StagedBlob;
  rendered: Pick<RenderedImage, 'mime' | 'width' | 'height'>;
}

/** New thumbnails (renderings from a source, kept) one client may cause per minute. */
export const thumbnailRenders = (limit: number): Rule => ({ name: 'thumbnail-render', limit, windowMs: 60_000, message: 'too many new thumbnails; try again in a minute' });

/** Whom a new rendering is counted against: the signed-in user, else the client's address. */
export const renderSubject = (actor: Actor | null, client: string): string => (actor ? `user:${actor.userId}` : `addr:${client}`);

/** Answers scaled from a kept step are kept per node up to this size each (most are a few KiB). */
const SHAPED_MAX_BYTES = 128 * 1024;

/** Largest thumbnail side and largest fit width a request may ask for. */
export const MAX_THUMBNAIL_SIDE = 4096;
export const MAX_FIT_WIDTH = 10_000;

function side(n: number, max: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new KuraError('bad_request', `${what} must be a whole number from 1 to ${max}`, { field: 'size' });
}

/** Refuses recipes no one should ask for (a clear 400, before any decoding). */
export function checkRecipe(r: ImageRecipe): ImageRecipe {
  switch (r.kind) {
    case 'short-edge':
    case 'long-edge':
      side(r.size, MAX_THUMBNAIL_SIDE, 'the thumbnail size');
      break;
    case 'cover':
      side(r.width, MAX_THUMBNAIL_SIDE, 'the thumbnail width');
      side(r.height, MAX_THUMBNAIL_SIDE, 'the thumbnail height');
      break;
    case 'fit-width':
      side(r.maxWidth, MAX_FIT_WIDTH, 'the width');
      break;
  }
  return r;
}

/** Content a recipe can be applied to: raster images (SVG is active content, never rasterised). */
export const isRaster = (mime: string | null | undefined): boolean => !!mime && mime.startsWith('image/') && mime !== 'image/svg+xml';

/**
 * Image derivatives (thumbnails, resized copies). Renderings from a source are made only on
 * the ladder (ladder.ts) and for the web copy, once per (content, recipe), and kept as blobs
 * of their own, referenced by a `derivatives` row like versions reference theirs, so GC
 * removes them with their source and fsck counts them; a source never has more than
 * MAX_DERIVATIVES_PER_SOURCE. Other sizes are scaled or cropped in memory from their step.
 * A new rendering asked for by a client is counted by the shared rate limiter (`renders`);
 * one already kept never is. Concurrent requests for the same derivative on one node share
 * one rendering; on several nodes each may render it once, the first row recorded wins and
 * the others drop their copy's reference.
 */
export class Derivatives {
  private readonly making = new Map<string, Promise<Derivative>>();
  private readonly shaping = new Map<string, Promise<Derivative>>();
  /**
   * Derivatives found lately (a repeated thumbnail costs no query). A derivative never
   * changes while its source is referenced, and GC keeps unreferenced blobs far longer
   * (KURA_GC_GRACE_SECONDS) than these few seconds.
   */
  private readonly known: TtlCache<string, Derivative>;
  /** Answers scaled from a kept step lately (by step and recipe; they never change either). */
  private readonly shaped: TtlCache<string, Derivative>;

  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly images: ImageEngine,
    private readonly now: () => number,
    private readonly limiter: RateLimiter,
    private readonly renders: Rule,
  ) {
    this.known = new TtlCache(10_000, 10_000, now);
    this.shaped = new TtlCache(512, 10 * 60_000, now);
  }

  /**
   * The derivative of content `source` (of type `mime`) by `recipe`, of exactly the shape
   * `recipe` asks for (never enlarged; capped at the ladder's largest step): its step found
   * or rendered now, then scaled or cropped to `recipe` unless the step already is the
   * answer. `client` (renderSubject) is counted when a step must be rendered; past the
   * limit that is refused (rate_limited). Internal callers pass none.
   */
  async get(source: string, mime: string | null, recipe: ImageRecipe, opts: { client?: string } = {}): Promise<Derivative> {
    checkRecipe(recipe);
    if (!isRaster(mime)) throw new KuraError('unsupported_type', 'only raster images have thumbnails or resized copies');
    const kept = await this.step(source, ladderStep(recipe), opts.client);
    if (kept.width !== null && kept.height !== null && answersAsIs(recipe, kept.width, kept.height)) return kept;
    return this.shape(kept, recipe);
  }

  /** A kept derivative (a ladder step or the web copy): found, or rendered now. */
  private async step(source: string, recipe: ImageRecipe, client: string | undefined): Promise<Derivative> {
    const spec = recipeKey(recipe);
    const key = `${source}:${spec}`;
    const known = this.known.get(key);
    if (known) return known;
    const found = await this.store.derivatives.of(source, spec);
    if (found) {
      const d = { hash: found.blob_hash, size: Number(found.size), mime: found.mime, width: found.width, height: found.height };
      this.known.set(key, d);
      return d;
    }
    if (!this.making.has(key) && client !== undefined) await this.limiter.hit(this.renders, client);
    let pending = this.making.get(key);
    if (!pending) {
      pending = this.make(source, recipe, spec).finally(() => this.making.delete(key));
      this.making.set(key, pending);
    }
    return pending;
  }

  /** `from` (a kept step) scaled or cropped to `recipe`, in memory. */
  private async shape(from: Derivative, recipe: ImageRecipe): Promise<Derivative> {
    const key = `${from.hash}:${recipeKey(recipe)}`;
    const done = this.shaped.get(key);
    if (done) return done;
    let pending = this.shaping.get(key);
    if (!pending) {
      pending = (async () => {
        const out = await this.images.render(await this.open(from.hash), recipe);
        const d: Derivative = { hash: createHash('sha256').update(out.data).digest('hex'), size: out.data.length, mime: out.mime, width: out.width, height: out.height, data: out.data };
        if (out.data.length <= SHAPED_MAX_BYTES) this.shaped.set(key, d);
        return d;
      })().finally(() => this.shaping.delete(key));
      this.shaping.set(key, pending);
    }
    return pending;
  }

  /** The derivative of `source` by `recipe` if one was made, without making it. */
  async find(source: string, recipe: ImageRecipe): Promise<Derivative | undefined> {
    const d = await this.store.derivatives.of(source, recipeKey(checkRecipe(recipe)));
    return d ? { hash: d.blob_hash, size: Number(d.size), mime: d.mime, width: d.width, height: d.height } : undefined;
  }

  /**
   * For an upload (`UploadOptions.derivative`): probes committed content `source` (format,
   * pixel limit, displayed size, EXIF orientation; what is not a readable raster image is
   * unsupported_type, with the sniffed `mime` in its details) and, when `rule.wanted` says
   * so and no such derivative is kept yet, renders it by `rule.recipe` in the same read,
   * then stages and commits the rendering (bytes first). Nothing is recorded: `recordTx`
   * records it in the upload's own transaction; `discard` drops the staging copy after.
   */
  async prepareForUpload(source: string, mime: string, rule: UploadDerivative): Promise<PreparedDerivative | undefined> {
    const spec = recipeKey(checkRecipe(rule.recipe));
    if (!KEPT_SPECS.has(spec)) throw new KuraError('internal', `derivatives are kept on the ladder only, not as ${spec}`);
    const kept = await this.store.derivatives.of(source, spec);
    const refuse = (e: unknown) => {
      throw e instanceof KuraError && e.code === 'unsupported_type' ? new KuraError('unsupported_type', e.message, { ...e.details, mime }) : e;
    };
    if (!isRaster(mime)) refuse(new KuraError('unsupported_type', 'not a raster image'));
    const { rendered } = await this.images.probeAndRender(await this.open(source), rule.recipe, (info) => !kept && rule.wanted(info)).catch(refuse);
    if (!rendered) return undefined;
    return { source, spec, staged: await this.stageRendering(rendered), rendered: { mime: rendered.mime, width: rendered.width, height: rendered.height } };
  }

  /** Records a prepared rendering as its source's derivative inside the caller's transaction (no-op when one was recorded meanwhile). */
  async recordTx(tx: Repos, p: PreparedDerivative, now: number): Promise<void> {
    await claimStaged(tx, this.blobs, p.staged, { hash: p.staged.hash, size: p.staged.size, ...p.rendered }, now);
    // Recorded first by another request: drop this reference again (GC takes the copy).
    if (!(await tx.derivatives.insert({ source_hash: p.source, spec: p.spec, blob_hash: p.staged.hash, created_at: now }))) await tx.blobs.release(p.staged.hash, 1, now);
  }

  /** Drops the staging copy of a prepared rendering (recorded or not). */
  async discard(p: PreparedDerivative | undefined): Promise<void> {
    if (p) await this.blobs.discard(p.staged);
  }

  /** Bytes first: a rendering staged and committed under its hash. */
  private async stageRendering(out: RenderedImage): Promise<StagedBlob> {
    const staged = await this.blobs.stage(Readable.from([out.data]), { maxBytes: out.data.length });
    try {
      await this.blobs.commit(staged);
      return staged;
    } catch (e) {
      await this.blobs.discard(staged);
      throw e;
    }
  }

  /** Renders, then records. */
  private async make(source: string, recipe: ImageRecipe, spec: string): Promise<Derivative> {
    return this.record(source, spec, await this.images.render(await this.open(source), recipe));
  }

  /**
   * Content for the engine: on the local disk its file, which the decoder reads in small
   * pieces (a 12 MP photo copied whole into fresh memory first cost a fifth of its
   * thumbnail's time); elsewhere a stream.
   */
  private async open(source: string): Promise<ImageSource> {
    return this.blobs.localFile ? { file: this.blobs.localFile(source) } : this.blobs.read(source);
  }

  /** Bytes first: stage, commit, and record the row claiming a reference. */
  private async record(source: string, spec: string, out: RenderedImage): Promise<Derivative> {
    // What bounds the derivatives of a source: nothing off the ladder is ever kept.
    if (!KEPT_SPECS.has(spec)) throw new KuraError('internal', `derivatives are kept on the ladder only, not as ${spec}`);
    const prepared: PreparedDerivative = { source, spec, staged: await this.stageRendering(out), rendered: { mime: out.mime, width: out.width, height: out.height } };
    try {
      await runClaimingTx(this.store, (tx) => this.recordTx(tx, prepared, this.now()));
    } finally {
      await this.discard(prepared);
    }
    const d = await this.store.derivatives.of(source, spec);
    if (!d) throw new KuraError('internal', 'a derivative vanished right after it was recorded');
    return { hash: d.blob_hash, size: Number(d.size), mime: d.mime, width: d.width, height: d.height };
  }
}
