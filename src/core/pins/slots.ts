import type { Actor } from '../actor.js';
import type { CoreContext } from '../context.js';
import type { SpaceKind } from '../domain.js';
import { KuraError } from '../errors.js';
import { assertWriter } from '../guard/guard.js';
import { acceptImageType, checkImage, type ImageRule } from '../images/rules.js';
import { newId } from '../ids.js';
import type { ContentReader, FileBody } from '../items/content.js';
import { toItem, type Item } from '../items/view.js';
import { exists } from '../items/visibility.js';
import { PUBLIC_MISSES } from '../public/service.js';
import type { RateLimiter } from '../limits/limiter.js';
import { UniqueViolation, type ItemRow } from '../ports/index.js';
import type { IncomingFile, UploadOptions, UploadService } from '../uploads/service.js';
import { TtlCache } from '../ttl-cache.js';
import { pinTx, unpinTx } from './service.js';

type Meta = Omit<FileBody, 'open' | 'cached' | 'etag'>;

/** Whose slot: a user's (profile pictures) or a space's (a chat room's cover). */
export type SlotOwner = { user: number } | { space: number };

/** What a slot holds. */
export interface SlotSpec {
  /** The slot's name among its owner's, e.g. `avatar`, `name_card_photo/3`. */
  name: string;
  rule: ImageRule;
  /** Largest file in bytes (413 while streaming beyond it). */
  maxBytes: number;
  /** Kinds of space that have this slot (space slots only). */
  spaceKinds?: readonly SpaceKind[];
}

/** Name of the system folder that holds the files of slots and of expiring uploads in a space. */
export const SLOT_FOLDER = 'Social';

const refOf = (owner: SlotOwner, name: string) => ('user' in owner ? `slot:user:${owner.user}:${name}` : `slot:space:${owner.space}:${name}`);

/**
 * Named slots holding one image each (a user's avatar, name-card cover and photos, a chat
 * room's cover). A slot's file is an ordinary file in a system folder of its owner's space
 * (the user's personal space, the chat room's space), counted in its quota, pinned by the
 * slot: setting a slot uploads the new file and moves the slot's pin onto it in one
 * transaction; the previous file, unpinned, expires like any unpinned upload (unless
 * another pin keeps it). A file that breaks the slot's rule is refused before anything
 * is recorded.
 *
 * Rights: a user sets and clears only their own slots; a space's slots are set by its
 * owners and admins (and Kura admins) and read by its members. A user's slots are profile
 * pictures, readable by anyone the face lets through (the social spec serves name-card
 * photos without a token); misses of anonymous reads count like public-read misses.
 */
export class SlotService {
  /** Slot → its content, for a few seconds (KURA_AUTH_CACHE_SECONDS); dropped on any write through this node. */
  private readonly held: TtlCache<string, { hash: string; meta: Meta }>;
  /** Anonymous clients seen not limited within the last second. */
  private readonly cleared: TtlCache<string, true>;

  constructor(
    private readonly ctx: CoreContext,
    private readonly uploads: UploadService,
    private readonly reader: ContentReader,
    private readonly limiter: RateLimiter,
  ) {
    this.held = new TtlCache(20_000, ctx.config.authCacheSeconds * 1000, ctx.now);
    this.cleared = new TtlCache(20_000, 1000, ctx.now);
  }

  /** Drops cached slots (every write through this node's core calls it). */
  forget(): void {
    this.held.clear();
  }

  /** `opts.public`: the slot's new file is readable by id without a credential (UploadOptions.public). */
  async set(actor: Actor, owner: SlotOwner, spec: SlotSpec, file: IncomingFile, opts: Pick<UploadOptions, 'public'> = {}): Promise<Item> {
    let folderId: number;
    try {
      assertWriter(actor);
      folderId = await this.folderFor(actor, owner, spec);
    } catch (e) {
      if ('stream' in file) file.stream.resume();
      throw e;
    }
    const ref = refOf(owner, spec.name);
    const { images, blobs } = this.ctx;
    return this.uploads.upload(actor, folderId, file, {
      onConflict: 'rename',
      public: opts.public,
      maxBytes: spec.maxBytes,
      unpinnedTtlMs: this.ctx.config.unpinnedTtlMs,
      accept: ({ mime }) => acceptImageType(mime, spec.rule),
      inspect: async ({ hash }) => void (await checkImage(images, () => blobs.read(hash), spec.rule)),
      recorded: async (tx, row) => {
        const now = this.ctx.now();
        const old = await tx.pins.slot(ref);
        if (old) await unpinTx(tx, Number(old.item_id), Number(old.owner_id), ref, now);
        await pinTx(tx, { item_id: Number(row.id), ref, owner_id: actor.userId, slot: 1, created_at: now });
      },
    });
  }

  /**
   * A file that stays only if pinned: uploaded into the caller's personal space (its
   * `Social` folder) with the unpinned TTL (KURA_UNPINNED_TTL); the expiry sweep deletes it
   * for good unless a pin references it in time.
   */
  async uploadUnpinned(actor: Actor, file: IncomingFile, opts: Pick<UploadOptions, 'description' | 'customTag' | 'maxBytes' | 'accept' | 'public'>): Promise<Item> {
    let folderId: number;
    try {
      assertWriter(actor);
      const space = await this.ctx.store.spaces.personalOf(actor.userId);
      if (!space) throw new KuraError('not_found', 'you have no personal space');
      folderId = await systemFolder(this.ctx, Number(space.id), actor.userId);
    } catch (e) {
      if ('stream' in file) file.stream.resume();
      throw e;
    }
    // Layered over `opts`, not copied: a face may pass getters that read fields sent after the file.
    const layered = Object.create(opts, { onConflict: { value: 'rename' }, unpinnedTtlMs: { value: this.ctx.config.unpinnedTtlMs } }) as UploadOptions;
    return this.uploads.upload(actor, folderId, file, layered);
  }

  /** Empties a slot; not_found when it is empty. Its file, unpinned, expires like an unpinned upload. */
  async clear(actor: Actor, owner: SlotOwner, spec: SlotSpec): Promise<void> {
    assertWriter(actor);
    await this.mayChange(actor, owner, spec);
    const ref = refOf(owner, spec.name);
    await this.ctx.store.transaction(async (tx) => {
      const pin = await tx.pins.slot(ref);
      if (!pin || !(await unpinTx(tx, Number(pin.item_id), Number(pin.owner_id), ref, this.ctx.now()))) throw new KuraError('not_found', 'nothing is set there');
    });
  }

  /**
   * The content of a slot. A user's slot is readable by anyone the face lets through
   * (`client` names an anonymous caller, whose misses are rate-limited); a space's slot by
   * its members.
   */
  async read(actor: Actor | null, owner: SlotOwner, spec: SlotSpec, client?: string): Promise<FileBody> {
    const anonymous = !actor && client !== undefined;
    if (anonymous && !this.cleared.get(client)) {
      await this.limiter.check(PUBLIC_MISSES, client);
      this.cleared.set(client, true);
    }
    const miss = async (): Promise<never> => {
      if (anonymous) {
        this.cleared.delete(client);
        await this.limiter.hit(PUBLIC_MISSES, client);
      }
      throw new KuraError('not_found', 'nothing is set there');
    };
    if ('space' in owner) {
      const space = await this.ctx.store.spaces.byId(owner.space);
      if (!space || (spec.spaceKinds && !spec.spaceKinds.includes(space.kind))) throw new KuraError('not_found', 'space not found');
      if (!actor || (actor.role !== 'admin' && !(await this.ctx.store.spaces.memberRole(owner.space, actor.userId)))) throw new KuraError('not_found', 'space not found');
    }
    const ref = refOf(owner, spec.name);
    const hit = this.held.get(ref);
    if (hit) return this.reader.body(hit.hash, hit.meta);
    const pin = await this.ctx.store.pins.slot(ref);
    const item = pin ? await this.ctx.store.items.byId(Number(pin.item_id)) : undefined;
    if (!item || !item.blob_hash || !exists(item, { now: this.ctx.now() })) return miss();
    const found = { hash: item.blob_hash, meta: { name: item.name, size: Number(item.size), mime: item.mime ?? 'application/octet-stream', modifiedAt: Number(item.modified_at) } };
    // A file that may expire is never cached past that moment.
    if (item.expires_at === null) this.held.set(ref, found);
    return this.reader.body(found.hash, found.meta);
  }

  /** The file a slot holds (metadata), or undefined (also when it no longer exists). */
  async item(owner: SlotOwner, spec: SlotSpec): Promise<Item | undefined> {
    const pin = await this.ctx.store.pins.slot(refOf(owner, spec.name));
    const row = pin ? await this.ctx.store.items.byId(Number(pin.item_id)) : undefined;
    return row && exists(row, { now: this.ctx.now() }) ? toItem(row) : undefined;
  }

  private async mayChange(actor: Actor, owner: SlotOwner, spec: SlotSpec): Promise<number> {
    if ('user' in owner) {
      if (owner.user !== actor.userId) throw new KuraError('forbidden', 'you may only change your own pictures');
      const space = await this.ctx.store.spaces.personalOf(actor.userId);
      if (!space) throw new KuraError('not_found', 'you have no personal space');
      return Number(space.id);
    }
    const space = await this.ctx.store.spaces.byId(owner.space);
    if (!space || (spec.spaceKinds && !spec.spaceKinds.includes(space.kind))) throw new KuraError('not_found', 'space not found');
    if (actor.role === 'admin') return Number(space.id);
    const role = await this.ctx.store.spaces.memberRole(Number(space.id), actor.userId);
    if (!role) throw new KuraError('not_found', 'space not found');
    if (role !== 'owner' && role !== 'admin') throw new KuraError('forbidden', 'only owners and admins of the space may change this');
    return Number(space.id);
  }

  /** The system folder of the owner's space that holds slot files, made on first use. */
  private async folderFor(actor: Actor, owner: SlotOwner, spec: SlotSpec): Promise<number> {
    return systemFolder(this.ctx, await this.mayChange(actor, owner, spec), actor.userId);
  }
}

/**
 * The `Social` system folder at the root of a space, made on first use (two nodes making it
 * at once: the database keeps one, the other reads it). A file of that name there means
 * the root itself is used.
 */
export async function systemFolder(ctx: CoreContext, spaceId: number, by: number): Promise<number> {
  const space = await ctx.store.spaces.byId(spaceId);
  if (!space || space.root_id === null) throw new KuraError('not_found', 'space not found');
  const rootId = Number(space.root_id);
  const found = async (): Promise<ItemRow | undefined> => ctx.store.items.liveChildByName(rootId, SLOT_FOLDER);
  let row = await found();
  if (!row) {
    try {
      await ctx.store.transaction((tx) => tx.items.insertFolder({ id: newId(), spaceId, parentId: rootId, name: SLOT_FOLDER, by, at: ctx.now(), system: true }));
    } catch (e) {
      if (!(e instanceof UniqueViolation)) throw e;
    }
    row = await found();
  }
  return row && row.kind === 'folder' ? Number(row.id) : rootId;
}
