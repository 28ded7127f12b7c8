import type { Readable } from 'node:stream';
import { Access } from '../access.js';
import type { Actor } from '../actor.js';
import type { Derivatives, PreparedDerivative, UploadDerivative } from '../images/derivatives.js';
import { claimStaged, runClaimingTx } from '../storage/refs.js';
import type { CoreContext } from '../context.js';
import { categoryOf } from '../domain.js';
import { isKuraError, KuraError } from '../errors.js';
import { assertWriter, guardWrite, type Guarded } from '../guard/guard.js';
import { newId } from '../ids.js';
import { sniffMime } from '../mime.js';
import { checkName } from '../names.js';
import { place, type OnConflict } from '../items/placement.js';
import { addVersionTx } from '../items/versions.js';
import { toItem, type Item } from '../items/view.js';
import { exists } from '../items/visibility.js';
import type { ItemRow, Repos, StagedBlob } from '../ports/index.js';
import { Right } from '../rights.js';
import { charge, inCategory } from '../usage/ledger.js';

/** A file to record: a body to stream in, or content a store has staged already. */
export type IncomingFile = { name: string; stream: Readable } | { name: string; staged: StagedBlob };

const drain = (f: IncomingFile | Readable | StagedBlob) => {
  if ('resume' in f) f.resume();
  else if ('stream' in f) f.stream.resume();
};

export interface UploadOptions extends Guarded {
  onConflict?: OnConflict;
  description?: string;
  customTag?: string;
  expiresAt?: number | null;
  /** Quota already held for this upload (a sliced upload's session), handed over in the same transaction. */
  reservation?: Reservation;
  /** A lower size limit than UPLOAD_MAX_BYTES for this upload (413 while streaming beyond it). */
  maxBytes?: number;
  /** The file expires this long after it is recorded, and again after its last unpin, unless pinned (core/pins). */
  unpinnedTtlMs?: number;
  /** Refuses content by its sniffed type before anything is kept (throw a KuraError). */
  accept?: (file: { name: string; mime: string; size: number }) => void;
  /** Checks committed content before anything is recorded (image rules); a refusal records nothing. */
  inspect?: (file: { hash: string; mime: string; size: number }) => Promise<void>;
  /**
   * A derivative made with each file of the types it applies to: probed and rendered after
   * the bytes are committed and before anything is recorded (an unreadable image is
   * unsupported_type and records nothing), recorded in the same transaction as the file.
   */
  derivative?: UploadDerivative;
  /** Runs last in the recording transaction with each new file (pins, slots). */
  recorded?: (tx: Repos, row: ItemRow) => Promise<void>;
  /**
   * New files are readable by id without a credential (public reads): what the face that
   * makes them says (its spec serves such reads) or its caller asks. Default private. A new
   * version keeps its file's flag.
   */
  public?: boolean;
}

export interface Reservation {
  bytes: number;
  /** Gives the held bytes back; runs first in the recording transaction. */
  release(tx: Repos): Promise<void>;
  /** Runs last in the recording transaction, with the file it recorded. */
  recorded(tx: Repos, row: ItemRow): Promise<void>;
}

/**
 * Streams a file into the blob store and records it. Bytes go first (staged, hashed and
 * size-limited while streaming, then committed under their hash); metadata second, in one
 * transaction that also reserves quota — so a failure at any point leaves the previous
 * state intact and nothing half-written visible.
 */
export class UploadService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly access: Access,
    private readonly derivatives: Derivatives,
  ) {}

  /**
   * Checks that the caller may upload into a folder, before any byte is read: its rights,
   * and the write guard (read-only callers, locks; with a `name`, the conditions on the file
   * of that name). The recording transaction judges all of it again.
   */
  async checkTarget(actor: Actor, folderId: number, opts: Guarded & { name?: string; onConflict?: OnConflict } = {}): Promise<void> {
    assertWriter(actor);
    const folder = await this.access.folder(actor, folderId, Right.CREATE);
    const name = opts.name;
    // Unnamed files that may become versions of files there: which items they write is known only per file.
    if (name === undefined && opts.onConflict === 'version') return;
    await this.guardNamed(this.ctx.store, actor, folder, name === undefined ? undefined : checkName(name, 'file name'), opts);
  }

  /** Checks that the caller may upload a new version of a file, before any byte is read (rights, the write guard). */
  async checkVersionTarget(actor: Actor, itemId: number, opts: Guarded = {}): Promise<void> {
    assertWriter(actor);
    const { item } = await this.access.item(actor, itemId, Right.EDIT_BASIC, 'file');
    if (item.kind !== 'file') throw new KuraError('bad_request', 'a folder has no content');
    await guardWrite(this.ctx.store, actor, this.ctx.now(), { subject: item, touches: [{ id: itemId, spaceId: Number(item.space_id) }], conditions: opts.conditions });
  }

  /**
   * The guard of a file written by name into a folder: a write to the folder (a new child),
   * or, when the upload makes a new version of the file of that name, to that file. The
   * conditions judge the file of that name (none: the name is free). Answers the file.
   */
  private async guardNamed(db: Repos, actor: Actor, folder: ItemRow, name: string | undefined, opts: Guarded & { onConflict?: OnConflict }): Promise<void> {
    const folderId = Number(folder.id);
    const named = name !== undefined && (opts.onConflict === 'version' || opts.conditions) ? ((await db.items.liveChildByName(folderId, name)) ?? null) : null;
    const versioned = opts.onConflict === 'version' && named?.kind === 'file';
    await guardWrite(db, actor, this.ctx.now(), {
      subject: name === undefined ? undefined : named,
      touches: [versioned ? { id: Number(named.id), spaceId: Number(named.space_id) } : { id: folderId, spaceId: Number(folder.space_id) }],
      conditions: opts.conditions,
    });
  }

  /**
   * Records in `folderId` the bytes a client names instead of sending them (a URL, a local
   * path, base64: the SourceOpener port). The folder is checked before any byte is fetched
   * or read; the source is closed whatever happens. The file is named `name`, else what the
   * source suggests, else `fallback`.
   */
  async uploadFrom(actor: Actor, folderId: number, source: string, opts: UploadOptions & { name?: string; fallback: string }): Promise<Item> {
    const { name, fallback, ...rest } = opts;
    await this.checkTarget(actor, folderId);
    const src = await this.ctx.sources.open(source);
    try {
      return await this.upload(actor, folderId, { name: name ?? src.name ?? fallback, stream: src.stream }, rest);
    } finally {
      if (!src.stream.readableEnded) src.stream.destroy();
    }
  }

  async upload(actor: Actor, folderId: number, file: IncomingFile, opts: UploadOptions = {}): Promise<Item> {
    const [item] = await this.uploadMany(actor, folderId, [file], opts);
    return item;
  }

  /**
   * Uploads several files into one folder, all or nothing: every body is staged first,
   * then one transaction records them all (or none, if any name, right or quota fails).
   */
  async uploadMany(actor: Actor, folderId: number, files: AsyncIterable<IncomingFile> | Iterable<IncomingFile>, opts: UploadOptions = {}): Promise<Item[]> {
    const staged: { name: string; blob: StagedBlob; mime: string; derivative?: PreparedDerivative }[] = [];
    try {
      let folder: ItemRow | undefined;
      let pending = 0;
      for await (const file of files) {
        try {
          assertWriter(actor);
          folder ??= await this.access.folder(actor, folderId, Right.CREATE);
          const name = checkName(file.name, 'file name');
          const blob = 'staged' in file ? file.staged : await this.stage(Number(folder.space_id), file.stream, pending - (opts.reservation?.bytes ?? 0), opts.maxBytes);
          staged.push({ name, blob, mime: '' });
          pending += blob.size;
          staged[staged.length - 1].mime = await sniffMime(blob.head, name);
          opts.accept?.({ name, mime: staged[staged.length - 1].mime, size: blob.size });
        } catch (e) {
          drain(file);
          throw e;
        }
      }
      if (staged.length === 0) throw new KuraError('bad_request', 'no file in the request');
      // Bytes first: once the metadata names them, they are in the store (decision 0002).
      for (const s of staged) await this.ctx.blobs.commit(s.blob);
      this.ctx.fault('upload:after-commit');
      // A refusal here leaves committed bytes no row names: GC collects them (decision 0002).
      if (opts.inspect) for (const s of staged) await opts.inspect({ hash: s.blob.hash, mime: s.mime, size: s.blob.size });
      const derive = opts.derivative;
      if (derive) for (const s of staged) if (derive.applies(s.mime)) s.derivative = await this.derivatives.prepareForUpload(s.blob.hash, s.mime, derive);
      const rows = await runClaimingTx(this.ctx.store, async (tx) => {
        const parent = await tx.items.byId(folderId);
        if (!parent || !exists(parent, { now: this.ctx.now() })) throw new KuraError('not_found', 'folder not found');
        await opts.reservation?.release(tx);
        const out: ItemRow[] = [];
        for (const s of staged) {
          const row = await this.recordTx(tx, actor, parent, s.name, s.blob, s.mime, opts);
          if (s.derivative) await this.derivatives.recordTx(tx, s.derivative, this.ctx.now());
          await opts.recorded?.(tx, row);
          out.push(row);
        }
        if (out.length === 1) await opts.reservation?.recorded(tx, out[0]);
        return out;
      });
      this.ctx.fault('upload:after-metadata');
      return rows.map(toItem);
    } finally {
      for (const s of staged) {
        await this.ctx.blobs.discard(s.blob);
        await this.derivatives.discard(s.derivative);
      }
    }
  }

  /** Records one staged file in `parent` inside the transaction. */
  private async recordTx(tx: Repos, actor: Actor, parent: ItemRow, rawName: string, staged: StagedBlob, mime: string, opts: UploadOptions): Promise<ItemRow> {
    const folderId = Number(parent.id);
    await this.guardNamed(tx, actor, parent, rawName, opts);
    const now = this.ctx.now();
    const target = await place(tx, folderId, rawName, opts.onConflict ?? 'fail', now);
    if (target.existing) {
      await new Access(tx, this.ctx.now).item(actor, Number(target.existing.id), Right.EDIT_BASIC);
      return this.addVersionTx(tx, actor, target.existing, staged, mime, now);
    }
    const category = categoryOf(mime);
    await charge(tx, Number(parent.space_id), inCategory(category, staged.size, 1));
    await claimStaged(tx, this.ctx.blobs, staged, { hash: staged.hash, size: staged.size, mime, width: null, height: null }, now);
    const id = newId();
    await tx.items.insert({
      id,
      space_id: Number(parent.space_id),
      parent_id: folderId,
      name: target.name,
      kind: 'file',
      description: opts.description ?? '',
      custom_tag: opts.customTag ?? '',
      created_by: actor.userId,
      created_at: now,
      modified_by: actor.userId,
      modified_at: now,
      size: staged.size,
      mime,
      category,
      version: 1,
      blob_hash: staged.hash,
      public_read: opts.public ? 1 : 0,
      expires_at: opts.unpinnedTtlMs !== undefined ? now + opts.unpinnedTtlMs : (opts.expiresAt ?? null),
      trashed_at: null,
      trash_root: null,
    });
    if (opts.unpinnedTtlMs !== undefined) await tx.pins.setPolicy(id, opts.unpinnedTtlMs);
    await tx.versions.insert({ id: newId(), item_id: id, number: 1, blob_hash: staged.hash, size: staged.size, mime, category, created_by: actor.userId, created_at: now });
    return (await tx.items.byId(id))!;
  }

  /** Uploads new content for an existing file: a new version. */
  async uploadVersion(actor: Actor, itemId: number, body: Readable | StagedBlob, opts: Pick<UploadOptions, 'reservation' | 'conditions'> = {}): Promise<Item> {
    const { item } = await Promise.resolve()
      .then(() => assertWriter(actor))
      .then(() => this.access.item(actor, itemId, Right.EDIT_BASIC, 'file'))
      .catch((e) => {
        drain(body);
        throw e;
      });
    if (item.kind !== 'file') {
      drain(body);
      throw new KuraError('bad_request', 'a folder has no content');
    }
    const staged = 'hash' in body ? body : await this.stage(Number(item.space_id), body, -(opts.reservation?.bytes ?? 0));
    try {
      const mime = await sniffMime(staged.head, item.name);
      await this.ctx.blobs.commit(staged);
      this.ctx.fault('upload:after-commit');
      const row = await runClaimingTx(this.ctx.store, async (tx) => {
        const current = await tx.items.byId(itemId);
        if (!current || !exists(current, { now: this.ctx.now() })) throw new KuraError('not_found', 'file not found');
        await guardWrite(tx, actor, this.ctx.now(), { subject: current, touches: [{ id: itemId, spaceId: Number(current.space_id) }], conditions: opts.conditions });
        await opts.reservation?.release(tx);
        const r = await this.addVersionTx(tx, actor, current, staged, mime, this.ctx.now());
        await opts.reservation?.recorded(tx, r);
        return r;
      });
      this.ctx.fault('upload:after-metadata');
      return toItem(row);
    } finally {
      await this.ctx.blobs.discard(staged);
    }
  }

  private addVersionTx(tx: Repos, actor: Actor, item: ItemRow, staged: StagedBlob, mime: string, now: number): Promise<ItemRow> {
    const content = { hash: staged.hash, size: staged.size, mime };
    return addVersionTx(tx, item, content, actor.userId, now, this.ctx.config.versionCap, () => claimStaged(tx, this.ctx.blobs, staged, { ...content, width: null, height: null }, now));
  }

  /**
   * Stages the body with the upload limit. When the space's remaining quota is smaller,
   * that becomes the limit, so an upload that cannot fit stops early with quota_exceeded.
   */
  private async stage(spaceId: number, stream: Readable, pending = 0, maxBytes = Infinity): Promise<StagedBlob> {
    const limit = Math.min(this.ctx.config.uploadMaxBytes, maxBytes);
    const space = await this.ctx.store.spaces.byId(spaceId);
    const remaining = space && space.quota_bytes !== null ? Math.max(0, Number(space.quota_bytes) - Number(space.used_bytes) - Number(space.reserved_bytes) - pending) : Infinity;
    const quotaBound = remaining < limit;
    try {
      return await this.ctx.blobs.stage(stream, { maxBytes: quotaBound ? remaining : limit });
    } catch (e) {
      stream.resume();
      if (quotaBound && isKuraError(e) && e.code === 'payload_too_large') {
        throw new KuraError('quota_exceeded', 'the space quota does not allow this upload', { remaining });
      }
      // The body itself failed (truncated multipart, client gone): the client's fault, not ours.
      if (!isKuraError(e) && stream.errored) {
        throw new KuraError('bad_request', `the upload body ended early or is malformed: ${(stream.errored as Error).message ?? 'stream error'}`);
      }
      throw e;
    }
  }
}
