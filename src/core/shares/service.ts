import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { assertWriter } from '../guard/guard.js';
import { newId } from '../ids.js';
import type { ShareKind } from '../domain.js';
import type { ContentReader, FileBody } from '../items/content.js';
import type { RateLimiter, Rule } from '../limits/limiter.js';
import type { BlobStore, ItemRow, MetadataStore, ShareWithItem } from '../ports/index.js';
import { has, Right } from '../rights.js';
import { exists, type StateOf } from '../items/visibility.js';
import { zipRoot, zipStream, type ZipEntry } from './zip.js';

export interface Share {
  id: number;
  /** The unguessable public id: 96 random bits as 24 lowercase hex digits. */
  token: string;
  itemId: number;
  itemName: string;
  itemKind: 'file' | 'folder';
  spaceId: number;
  createdBy: number;
  createdAt: number;
  type: ShareKind;
  /** Extraction code (private shares), else null. */
  code: string | null;
  expiresAt: number | null;
  maxDownloads: number | null;
  downloadCount: number;
}

export interface ShareOptions {
  type: ShareKind;
  expiresAt?: number | null;
  maxDownloads?: number | null;
}

/** What a share download serves: a file's content, or a folder as a streamed zip. */
export type ShareContent = { kind: 'file'; body: FileBody } | { kind: 'zip'; name: string; modifiedAt: number; open(): Readable };

/** Failed share downloads one client may make per minute; then every share download of it answers 429. */
export const SHARE_MISSES: Rule = { name: 'share-miss', limit: 10, windowMs: 60_000, message: 'too many failed share downloads; try again in a minute' };
export const SHARE_MISS_LIMIT = SHARE_MISSES.limit;
/** Extraction codes: 6 characters of 32 without look-alikes (no 0, 1, O, I): 32⁶ ≈ 10⁹ codes. */
const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const CODE_LENGTH = 6;

const newToken = () => randomBytes(12).toString('hex');
/** 32 symbols: each random byte's low 5 bits pick one without bias. */
const newCode = () => [...randomBytes(CODE_LENGTH)].map((b) => CODE_ALPHABET[b & 31]).join('');
const digest = (s: string) => createHash('sha256').update(s).digest();
/** Case-insensitive, constant-time (hashes first, so lengths do not leak either). */
const sameCode = (given: string, expected: string) => timingSafeEqual(digest(given.trim().toUpperCase()), digest(expected));

function toShare(r: ShareWithItem): Share {
  return {
    id: Number(r.id),
    token: r.token,
    itemId: Number(r.item_id),
    itemName: r.item_name,
    itemKind: r.item_kind,
    spaceId: Number(r.space_id),
    createdBy: Number(r.created_by),
    createdAt: Number(r.created_at),
    type: r.kind,
    code: r.code,
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    maxDownloads: r.max_downloads === null ? null : Number(r.max_downloads),
    downloadCount: Number(r.download_count),
  };
}

/**
 * Shares: links that download one item without a token. Creating one needs the SHARE right
 * on the item; a share is seen and removed by its creator and by whoever has SHARE on the
 * item. A download acts with the creator's rights at that moment: a trashed item, an item
 * the creator can no longer read, an expired or used-up share, a wrong or missing code and
 * an unknown share all get the same 404, counted per client in the database (shared by every
 * node); past SHARE_MISS_LIMIT a minute that client's share downloads answer 429.
 */
export class ShareService {
  constructor(
    private readonly store: MetadataStore,
    private readonly access: Access,
    private readonly reader: ContentReader,
    private readonly blobs: BlobStore,
    private readonly limiter: RateLimiter,
    private readonly now: () => number,
  ) {}

  /**
   * May the caller see (and remove) this share? Its item must exist (in the trash too: such
   * a share can still be removed) and be visible to it.
   */
  private async manages(actor: Actor, r: ShareWithItem): Promise<'yes' | 'hidden' | 'forbidden'> {
    if (!exists(stateOf(r), { now: this.now(), trash: true })) return 'hidden';
    const rights = await this.access.rightsOn(actor, { id: Number(r.item_id), space_id: Number(r.space_id), parent_id: r.parent_id === null ? null : Number(r.parent_id) });
    if (!has(rights, Right.READ_ATTRS)) return 'hidden';
    return Number(r.created_by) === actor.userId || has(rights, Right.SHARE) ? 'yes' : 'forbidden';
  }

  /** Shares of items that exist (in `spaceId`, or anywhere) that the caller created or may share. */
  async list(actor: Actor, spaceId?: number): Promise<Share[]> {
    const out: Share[] = [];
    // Without a space, only where the caller could manage any: its spaces and its own shares.
    const scope = spaceId === undefined && actor.role !== 'admin' ? { spaceIds: (await this.store.spaces.ofUser(actor.userId)).map((s) => Number(s.id)), creator: actor.userId } : undefined;
    for (const r of await this.store.shares.ofLiveItems(this.now(), spaceId, scope)) {
      if ((await this.manages(actor, r)) === 'yes') out.push(toShare(r));
    }
    return out;
  }

  async get(actor: Actor, id: number): Promise<Share> {
    const r = await this.store.shares.byId(id);
    if (!r || !exists(stateOf(r), { now: this.now() }) || (await this.manages(actor, r)) !== 'yes') throw new KuraError('not_found', 'share not found');
    return toShare(r);
  }

  /** Shares each item (one share per item). All are checked first: all are made, or none. */
  async add(actor: Actor, itemIds: number[], opts: ShareOptions): Promise<Share[]> {
    assertWriter(actor);
    if (itemIds.length === 0 || itemIds.length > 1000) throw badRequest('give 1 to 1000 items to share');
    if (opts.type !== 'public' && opts.type !== 'private') throw badRequest('the share type is public or private', { field: 'type' });
    const now = this.now();
    const expiresAt = opts.expiresAt ?? null;
    if (expiresAt !== null && (!Number.isSafeInteger(expiresAt) || expiresAt <= now)) throw badRequest('expiresAt must be a time in the future (epoch ms)', { field: 'expiresAt' });
    const maxDownloads = opts.maxDownloads ?? null;
    if (maxDownloads !== null && (!Number.isSafeInteger(maxDownloads) || maxDownloads < 1)) throw badRequest('maxDownloads must be a positive integer', { field: 'maxDownloads' });
    const items: ItemRow[] = [];
    for (const id of itemIds) items.push((await this.access.item(actor, id, Right.SHARE)).item);
    const ids = await this.store.transaction(async (tx) => {
      const made: number[] = [];
      for (const item of items) {
        const id = newId();
        await tx.shares.insert({ id, token: newToken(), item_id: Number(item.id), created_by: actor.userId, kind: opts.type, code: opts.type === 'private' ? newCode() : null, created_at: now, expires_at: expiresAt, max_downloads: maxDownloads });
        made.push(id);
      }
      return made;
    });
    return Promise.all(ids.map(async (id) => toShare((await this.store.shares.byId(id))!)));
  }

  /** Removes a share (by id or by token): its creator, or a caller with SHARE on the item. */
  async remove(actor: Actor, key: { id: number } | { token: string }): Promise<void> {
    assertWriter(actor);
    const r = 'id' in key ? await this.store.shares.byId(key.id) : /^[0-9a-f]{24}$/.test(key.token) ? await this.store.shares.byToken(key.token) : undefined;
    const verdict = r ? await this.manages(actor, r) : 'hidden';
    if (!r || verdict === 'hidden') throw new KuraError('not_found', 'share not found');
    if (verdict === 'forbidden') throw new KuraError('forbidden', 'only its creator or someone who may share the item can remove this share');
    await this.store.shares.delete(Number(r.id));
  }

  /** A failed download: counted per client; past the limit the answer is 429, not 404. */
  private async miss(client: string): Promise<never> {
    await this.limiter.hit(SHARE_MISSES, client);
    throw new KuraError('not_found', 'share not found');
  }

  /**
   * The content behind a share, for anyone with its token (and code, when private).
   * `count` adds one to the share's downloads (atomically; refused past its limit).
   */
  async open(token: string, code: string | undefined, opts: { client: string; count: boolean }): Promise<ShareContent> {
    const now = this.now();
    // A limited client is refused before anything is checked: a right guess must look the same.
    await this.limiter.check(SHARE_MISSES, opts.client);
    const t = token.trim().toLowerCase();
    const share = /^[0-9a-f]{24}$/.test(t) ? await this.store.shares.byToken(t) : undefined;
    const codeOk = share?.kind === 'public' || (share?.code != null && code !== undefined && sameCode(code, share.code));
    if (!share || !codeOk || (share.expires_at !== null && Number(share.expires_at) <= now)) return this.miss(opts.client);
    if (share.max_downloads !== null && Number(share.download_count) >= Number(share.max_downloads)) return this.miss(opts.client);
    const item = await this.store.items.byId(Number(share.item_id));
    const creator = await this.store.users.byId(Number(share.created_by));
    if (!item || !creator || !exists(item, { now })) return this.miss(opts.client);
    const actor: Actor = { userId: Number(creator.id), role: creator.role };
    const rights = await this.access.rightsOn(actor, item);
    const content = item.kind === 'file' ? await this.fileOf(item, rights) : await this.zipOf(actor, item, rights);
    if (!content) return this.miss(opts.client);
    if (opts.count && !(await this.store.shares.countDownload(Number(share.id)))) return this.miss(opts.client);
    return content;
  }

  private async fileOf(item: ItemRow, rights: number): Promise<ShareContent | undefined> {
    if (!item.blob_hash || !has(rights, Right.READ_ATTRS | Right.READ_CONTENT)) return undefined;
    return { kind: 'file', body: await this.reader.body(item.blob_hash, { name: item.name, size: Number(item.size), mime: item.mime ?? 'application/octet-stream', modifiedAt: Number(item.modified_at) }) };
  }

  /**
   * A folder as a zip of what the creator may see in it now: live items with READ_ATTRS in
   * folders it may list, files only with READ_CONTENT; folders are kept even when empty.
   * Paths start with the folder's name; sibling names are unique, so paths never clash.
   */
  private async zipOf(actor: Actor, folder: ItemRow, rights: number): Promise<ShareContent | undefined> {
    if (!has(rights, Right.READ_ATTRS | Right.LIST)) return undefined;
    // visibleSubtree leaves out what does not exist (trashed, expired, pending) and all below it.
    const { visible, rightsOf } = await this.access.visibleSubtree(actor, folder, await this.store.items.subtree(Number(folder.id)));
    const root = zipRoot(folder.name);
    const paths = new Map<number, string>([[Number(folder.id), root]]);
    const entries: ZipEntry[] = [{ kind: 'folder', path: root, modifiedAt: Number(folder.modified_at) }];
    for (const r of visible) {
      const mask = rightsOf(Number(r.id));
      const path = `${paths.get(Number(r.parent_id))}/${r.name}`;
      if (r.kind === 'folder') {
        paths.set(Number(r.id), path);
        entries.push({ kind: 'folder', path, modifiedAt: Number(r.modified_at) });
      } else if (r.blob_hash && has(mask, Right.READ_CONTENT)) {
        entries.push({ kind: 'file', path, modifiedAt: Number(r.modified_at), hash: r.blob_hash, size: Number(r.size), mime: r.mime ?? 'application/octet-stream' });
      }
    }
    return { kind: 'zip', name: `${folder.name}.zip`, modifiedAt: Number(folder.modified_at), open: () => zipStream(entries, (hash) => this.blobs.read(hash)) };
  }
}

/** The share's item as the existence rule reads it. */
const stateOf = (r: ShareWithItem): StateOf => ({ kind: r.item_kind, version: r.item_version, expires_at: r.item_expires_at, trashed_at: r.trashed_at });
