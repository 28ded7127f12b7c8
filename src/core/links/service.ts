import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import type { CoreContext } from '../context.js';
import { badRequest, KuraError } from '../errors.js';
import type { ContentReader, FileBody } from '../items/content.js';
import type { RateLimiter, Rule } from '../limits/limiter.js';
import { Right } from '../rights.js';

/** Failed signed-link downloads one client may make per minute; past it every one answers 429. */
export const SIGNED_LINK_MISSES: Rule = { name: 'signed-link-miss', limit: 30, windowMs: 60_000, message: 'too many failed downloads; try again in a minute' };

/** A download link's parts: the file, who signed it, until when (epoch seconds), and the MAC. */
export interface SignedLink {
  itemId: number;
  userId: number;
  expires: number;
  signature: string;
}

const SECRET_NAME = 'link-signing-key';

/**
 * Signed, expiring download links (OneBot `get_group_file_url`; any dialect may use them):
 * a capability that needs no token. The MAC (HMAC-SHA256) covers the file, the signer and
 * the expiry, with a key every node shares (KURA_LINK_SECRET, else one random key made once
 * and kept in the database). A download acts with the signer's rights at that moment, so a
 * link dies with the signer's access, the file's deletion or its expiry (`expires_at`).
 * Each full download adds one to the file's download count.
 */
export class SignedLinks {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly ctx: CoreContext,
    private readonly access: Access,
    private readonly reader: ContentReader,
    private readonly limiter: RateLimiter,
  ) {}

  /** The signing key: from the configuration, or the database's (made by the first node that needs it). */
  private signingKey(): Promise<Buffer> {
    this.key ??= (async () => {
      if (this.ctx.config.linkSecret) return Buffer.from(this.ctx.config.linkSecret, 'utf8');
      let v = await this.ctx.store.secrets.get(SECRET_NAME);
      if (v === undefined) {
        await this.ctx.store.secrets.putIfAbsent(SECRET_NAME, randomBytes(32).toString('base64url'), this.ctx.now());
        v = await this.ctx.store.secrets.get(SECRET_NAME);
      }
      if (v === undefined) throw new KuraError('internal', 'no link signing key');
      return Buffer.from(v, 'utf8');
    })().catch((e: unknown) => {
      this.key = undefined;
      throw e;
    });
    return this.key;
  }

  private async mac(itemId: number, userId: number, expires: number): Promise<string> {
    return createHmac('sha256', await this.signingKey()).update(`kura-link:v1:${itemId}:${userId}:${expires}`).digest('base64url');
  }

  /** A link to a file the caller may read, valid for `seconds` (default KURA_SIGNED_URL_SECONDS). */
  async sign(actor: Actor, itemId: number, opts: { seconds?: number } = {}): Promise<SignedLink> {
    const { item } = await this.access.item(actor, itemId, Right.READ_CONTENT, 'file');
    if (item.kind !== 'file' || !item.blob_hash) throw badRequest('a folder has no content; link its files');
    const now = this.ctx.now();
    const expires = Math.floor(now / 1000) + (opts.seconds ?? this.ctx.config.signedUrlSeconds);
    return { itemId, userId: actor.userId, expires, signature: await this.mac(itemId, actor.userId, expires) };
  }

  private async miss(client: string, e: KuraError): Promise<never> {
    await this.limiter.hit(SIGNED_LINK_MISSES, client);
    throw e;
  }

  /**
   * The content a link names. Wrong or expired links are forbidden, files gone (or no
   * longer readable by the signer) not found; each failure counts against the client, and
   * past the limit every download of that client answers 429. `count` adds one download.
   */
  async open(link: SignedLink, opts: { client: string; count: boolean }): Promise<FileBody> {
    await this.limiter.check(SIGNED_LINK_MISSES, opts.client);
    const expected = Buffer.from(await this.mac(link.itemId, link.userId, link.expires));
    const given = Buffer.from(link.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return this.miss(opts.client, new KuraError('forbidden', 'this link is not valid'));
    const now = this.ctx.now();
    if (link.expires * 1000 <= now) return this.miss(opts.client, new KuraError('forbidden', 'this link has expired'));
    const signer = await this.ctx.store.users.byId(link.userId);
    if (!signer) return this.miss(opts.client, new KuraError('not_found', 'file not found'));
    const actor: Actor = { userId: link.userId, role: signer.role };
    let found;
    try {
      found = await this.access.item(actor, link.itemId, Right.READ_CONTENT, 'file');
    } catch (e) {
      if (e instanceof KuraError && (e.code === 'not_found' || e.code === 'forbidden')) return this.miss(opts.client, new KuraError('not_found', 'file not found'));
      throw e;
    }
    const item = found.item;
    // access.item judged the existence rule (an expired file is gone) at this instant.
    if (item.kind !== 'file' || !item.blob_hash) return this.miss(opts.client, new KuraError('not_found', 'file not found'));
    if (opts.count) await this.ctx.store.items.countDownload(link.itemId);
    return this.reader.body(item.blob_hash, { name: item.name, size: Number(item.size), mime: item.mime ?? 'application/octet-stream', modifiedAt: Number(item.modified_at) });
  }
}
