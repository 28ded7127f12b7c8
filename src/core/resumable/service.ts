import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import type { CoreContext } from '../context.js';
import { isKuraError, KuraError } from '../errors.js';
import { checkConditions, storedConditions } from '../guard/conditions.js';
import { assertWriter } from '../guard/guard.js';
import type { ItemQueries } from '../items/queries.js';
import type { UploadProtocol } from '../domain.js';
import { checkName } from '../names.js';
import type { PieceRef, Span, UploadPieceRow, UploadSessionRow } from '../ports/index.js';
import { Right } from '../rights.js';
import type { UploadService } from '../uploads/service.js';
import { mergedSpans, receivedBytes } from './pieces.js';
import { ASSEMBLY_LEASE_MS, complete } from './assembly.js';
import { type ConcatSpec, concatenate } from './concat.js';
import { record } from './record.js';
import { fileSlot, hold, pastRoom, release, roomOf, type Room } from './holds.js';
import { checkKey, KEY, type ReceiveOptions, sameSpec, type SessionSpec, type SliceResult, type SliceTarget, type UploadStatus } from './spec.js';
import { type Checksum, Digesting, digesting, drained, isPrefix } from './streams.js';
import type { Conditions } from '../guard/conditions.js';

export type { ReceiveOptions, SessionSpec, SliceResult, SliceTarget, UploadStatus };

const MAX_META = 4096;
/** How long a status request waits for another node's assembly before giving up. */
const SETTLE_WAIT_MS = ASSEMBLY_LEASE_MS + 5_000;

/**
 * Sliced (resumable) uploads. A session is keyed by user and client key and lives in the
 * database; its slices are pieces in the blob store. Slices may come in any order, size and
 * number of times, to any node: each is stored, compared with the bytes already received for
 * the same range, and recorded. The slice that completes the range assembles the file
 * through the ordinary upload path, which takes over the quota the session reserved.
 */
export class ResumableUploads {
  constructor(
    private readonly ctx: CoreContext,
    private readonly access: Access,
    private readonly uploads: UploadService,
    private readonly items: ItemQueries,
  ) {}

  /**
   * Finds the caller's session for `spec.key` or starts one, reserving the length (when
   * known) and, for a new file, a file slot; within the caller's caps on open sessions and
   * the bytes they hold.
   */
  async open(actor: Actor, spec: SessionSpec): Promise<UploadSessionRow> {
    assertWriter(actor);
    const key = checkKey(spec.key);
    const conditions = checkConditions(spec.conditions);
    const protocol = spec.protocol ?? 'slices';
    if (spec.length !== null) this.checkLength(spec.length);
    if (spec.meta && spec.meta.length > MAX_META) throw new KuraError('bad_request', `the upload metadata exceeds ${MAX_META} characters`, { field: 'metadata' });
    for (let attempt = 0; ; attempt++) {
      const found = await this.live(await this.ctx.store.uploads.byKey(actor.userId, key));
      if (found) return sameSpec(found, spec, protocol);
      const { spaceId, name } = await this.checkTarget(actor, spec.target);
      const t = spec.target;
      // The write guard before any byte: read-only callers, locks, the caller's conditions (judged again on completion).
      if ('itemId' in t) await this.uploads.checkVersionTarget(actor, t.itemId, { conditions });
      else if (!('partial' in t)) await this.uploads.checkTarget(actor, t.folderId, { name, onConflict: spec.onConflict ?? 'rename', conditions });
      const now = this.ctx.now();
      const length = spec.length ?? 0;
      const files = 'folderId' in t && !('partial' in t) ? await fileSlot(this.ctx, t.folderId, name, spec.onConflict ?? 'rename') : 0;
      const row: UploadSessionRow = {
        id: randomBytes(16).toString('hex'),
        user_id: actor.userId,
        client_key: key,
        space_id: spaceId,
        parent_id: 'partial' in t ? null : 'folderId' in t ? t.folderId : null,
        item_id: 'itemId' in t ? t.itemId : null,
        name,
        length,
        reserved: length,
        reserved_files: files,
        state: 'open',
        result_id: null,
        result_hash: null,
        assembler: null,
        created_at: now,
        updated_at: now,
        expires_at: now + this.ttl(),
        protocol,
        deferred: spec.length === null ? 1 : 0,
        meta: spec.meta ?? null,
        on_conflict: spec.onConflict ?? 'rename',
        concat: 'partial' in t ? 'partial' : null,
        public_read: spec.public ? 1 : 0,
        conditions: storedConditions(conditions),
      };
      try {
        await this.reclaiming(spaceId, () =>
          this.ctx.store.transaction(async (tx) => {
            await tx.uploads.insert(row);
            await hold(this.ctx, tx, actor.userId, spaceId, { bytes: length, files, sessions: 1 });
          }),
        );
        return row;
      } catch (e) {
        // Another request (or node) started the same session first: use that one.
        if (isKuraError(e) || attempt > 2 || !(await this.ctx.store.uploads.byKey(actor.userId, key))) throw e;
      }
    }
  }

  /** Receives one slice at `offset`; the slice that completes the file answers the file. */
  async slice(actor: Actor, spec: SessionSpec, offset: number, stream: Readable, opts: ReceiveOptions = {}): Promise<SliceResult> {
    let session: UploadSessionRow;
    try {
      session = await this.open(actor, spec);
    } catch (e) {
      stream.resume();
      throw e;
    }
    return this.receive(actor, session, offset, stream, opts);
  }

  /** Receives a slice for one of the caller's existing sessions (native API, tus). */
  async append(actor: Actor, key: string, offset: number, stream: Readable, opts: ReceiveOptions = {}, protocol: UploadProtocol = 'slices'): Promise<SliceResult> {
    let s: UploadSessionRow;
    try {
      assertWriter(actor);
      s = await this.mine(actor, key, protocol);
    } catch (e) {
      stream.resume();
      throw e;
    }
    return this.receive(actor, s, offset, stream, opts);
  }

  /** The state of one of the caller's sessions. */
  async status(actor: Actor, key: string, protocol: UploadProtocol = 'slices'): Promise<UploadStatus> {
    const s = await this.mine(actor, key, protocol);
    return this.statusOf(s.id);
  }

  /**
   * The state of one of the caller's sessions, after finishing it if every byte is in but
   * no file was made (the node that received the last slice died while assembling): the
   * assembly is taken over, or awaited while another node's lease on it is alive.
   */
  async settle(actor: Actor, key: string, protocol: UploadProtocol = 'slices'): Promise<SliceResult> {
    const s = await this.mine(actor, key, protocol);
    const until = this.ctx.now() + SETTLE_WAIT_MS;
    for (;;) {
      const status = await this.statusOf(s.id);
      if (status.state === 'done') return this.finished(actor, (await this.ctx.store.uploads.byId(s.id))!);
      if (status.deferred || status.partial || status.received < status.length) return { done: false, status };
      let r: SliceResult;
      try {
        r = await this.complete(actor, (await this.ctx.store.uploads.byId(s.id))!);
      } catch (e) {
        // The assembly failed (a name clash with onConflict fail, the quota): a status request still answers.
        if (!isKuraError(e)) throw e;
        return { done: false, status: await this.statusOf(s.id) };
      }
      if (r.done || this.ctx.now() > until) return r;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Makes one file of the caller's complete partial uploads (concat.ts). */
  async concat(actor: Actor, spec: ConcatSpec): Promise<SliceResult> {
    assertWriter(actor);
    return concatenate(this.ctx, this, this.uploads, actor, spec);
  }

  /** Cancels one of the caller's sessions: pieces removed, reservation given back. */
  async cancel(actor: Actor, key: string, protocol: UploadProtocol = 'slices'): Promise<void> {
    assertWriter(actor);
    const s = await this.mine(actor, key, protocol);
    if (s.state === 'assembling' && Number(s.updated_at) > this.ctx.now() - ASSEMBLY_LEASE_MS) throw new KuraError('conflict', 'the upload is being assembled');
    await this.drop(s.id, false);
  }

  /** Removes expired sessions (of one space, when given), their pieces and their reservations; returns how many. */
  async expire(spaceId?: number): Promise<number> {
    const now = this.ctx.now();
    let dropped = 0;
    for (const s of await this.ctx.store.uploads.expired(now, 1000, spaceId)) if (await this.drop(s.id, true)) dropped++;
    return dropped;
  }

  /** @internal One of the caller's live sessions of `protocol` (not found otherwise, also when it is someone else's). */
  async mine(actor: Actor, key: string, protocol: UploadProtocol): Promise<UploadSessionRow> {
    const s = KEY.test(key) ? await this.live(await this.ctx.store.uploads.byKey(actor.userId, key.toLowerCase())) : undefined;
    if (!s || s.protocol !== protocol) throw new KuraError('not_found', 'upload not found');
    return s;
  }

  /** @internal The session's pieces, after forgetting those the store may have lost (an earlier epoch). */
  async livePieces(id: string): Promise<UploadPieceRow[]> {
    const rows = await this.ctx.store.uploads.pieces(id);
    const epoch = this.ctx.blobs.pieceEpoch;
    const lost = rows.filter((r) => r.epoch !== '' && r.epoch !== epoch);
    for (const r of lost) await this.ctx.store.uploads.deletePiece(id, r.key);
    return lost.length ? rows.filter((r) => !lost.includes(r)) : rows;
  }

  /** @internal */
  async statusOf(id: string): Promise<UploadStatus> {
    const s = await this.ctx.store.uploads.byId(id);
    if (!s) throw new KuraError('not_found', 'upload not found');
    const spans = s.state === 'done' ? [{ start: 0, end: Number(s.length) }] : mergedSpans(await this.livePieces(id));
    return {
      key: s.client_key,
      name: s.name,
      length: Number(s.length),
      received: receivedBytes(spans),
      offset: spans.length && spans[0].start === 0 ? spans[0].end : 0,
      deferred: Number(s.deferred) === 1,
      partial: s.concat === 'partial',
      parts: s.concat?.startsWith('final ') ? s.concat.slice(6).split(' ') : null,
      meta: s.meta,
      ranges: spans.filter((r) => r.end > r.start).map((r) => [r.start, r.end - 1]),
      state: s.state,
      folderId: s.parent_id === null ? null : Number(s.parent_id),
      itemId: s.item_id === null ? (s.result_id === null ? null : Number(s.result_id)) : Number(s.item_id),
      createdAt: Number(s.created_at),
      expiresAt: Number(s.expires_at),
    };
  }

  /** @internal Where a session's quota is held and its file's name; checks the caller's right. */
  async checkTarget(actor: Actor, target: SliceTarget): Promise<{ spaceId: number; name: string }> {
    if ('partial' in target) {
      if (target.folderId !== undefined) return { spaceId: Number((await this.access.folder(actor, target.folderId, Right.CREATE)).space_id), name: '' };
      const personal = await this.ctx.store.spaces.personalOf(actor.userId);
      if (!personal) throw new KuraError('not_found', 'the caller has no personal space to hold a partial upload');
      return { spaceId: Number(personal.id), name: '' };
    }
    if ('folderId' in target) {
      const name = checkName(target.name, 'file name');
      const folder = await this.access.folder(actor, target.folderId, Right.CREATE);
      return { spaceId: Number(folder.space_id), name };
    }
    const { item } = await this.access.item(actor, target.itemId, Right.EDIT_BASIC, 'file');
    if (item.kind !== 'file') throw new KuraError('bad_request', 'a folder has no content');
    return { spaceId: Number(item.space_id), name: item.name };
  }

  /** @internal */
  ttl = () => this.ctx.config.uploadSessionSeconds * 1000;

  private checkLength(length: number): void {
    if (!Number.isSafeInteger(length) || length < 0) throw new KuraError('bad_request', 'the file length must be a whole number ≥ 0', { field: 'length' });
    if (length > this.ctx.config.uploadMaxBytes) {
      throw new KuraError('payload_too_large', `the file exceeds the limit of ${this.ctx.config.uploadMaxBytes} bytes`, { limit: this.ctx.config.uploadMaxBytes });
    }
  }

  /** Takes one slice into a session. */
  private async receive(actor: Actor, session: UploadSessionRow, offset: number, stream: Readable, opts: ReceiveOptions): Promise<SliceResult> {
    let limit: number;
    let room: Room | undefined;
    let known: Span[] = [];
    try {
      if (!Number.isSafeInteger(offset) || offset < 0) throw new KuraError('bad_request', 'the slice offset must be a whole number ≥ 0', { field: 'offset' });
      if (opts.length !== undefined) session = await this.declare(session, opts.length);
      // Undeclared: bytes past the quota's room, the user's cap or UPLOAD_MAX_BYTES are refused as they arrive.
      if (Number(session.deferred) === 1 && session.state === 'open') room = await roomOf(this.ctx, session);
      limit = room ? room.limit : Number(session.length);
      if (offset > (room ? this.ctx.config.uploadMaxBytes : limit)) throw new KuraError('conflict', `the slice starts at ${offset}, beyond the file length ${limit}`, { offset, length: limit });
      if (room && offset > limit) throw pastRoom(room, offset);
      if (session.concat?.startsWith('final ')) throw new KuraError('forbidden', 'a concatenated upload takes no bytes of its own');
      if (session.state !== 'done') known = mergedSpans(await this.livePieces(session.id));
      if (opts.contiguous) {
        const at = session.state === 'done' ? Number(session.length) : known[0]?.start === 0 ? known[0].end : 0;
        if (offset !== at) throw new KuraError('conflict', `the upload is at offset ${at}, not ${offset}`, { offset: at });
      }
    } catch (e) {
      stream.resume();
      throw e;
    }
    if (session.state === 'done') return this.resent(actor, session, offset, stream);
    const piece = await this.storePiece(session, offset, limit, known, stream, opts.checksum, room);
    try {
      if (piece.size > 0) await this.record(session, piece);
      else await this.ctx.blobs.deletePiece(session.id, piece);
    } catch (e) {
      await this.ctx.blobs.deletePiece(session.id, piece);
      throw e;
    }
    const status = await this.statusOf(session.id);
    if (status.state === 'done') return this.finished(actor, (await this.ctx.store.uploads.byId(session.id))!);
    if (status.deferred || status.partial || status.received < status.length) return { done: false, status };
    return this.complete(actor, session, opts.conditions);
  }

  /**
   * Declares the length of a session opened without one, reserving the rest of it (the
   * bytes received are reserved already); repeating the same length is harmless. A length
   * that does not fit leaves the session as it was.
   */
  private async declare(s: UploadSessionRow, length: number): Promise<UploadSessionRow> {
    if (Number(s.deferred) !== 1) {
      if (length !== Number(s.length)) throw new KuraError('conflict', `the upload length is ${s.length} already`, { length: Number(s.length) });
      return s;
    }
    this.checkLength(length);
    const spans = mergedSpans(await this.livePieces(s.id));
    const end = spans.length ? spans[spans.length - 1].end : 0;
    if (end > length) throw new KuraError('conflict', `${end} bytes are received already, more than the length ${length}`, { offset: end });
    const was = Number(s.reserved);
    await this.reclaiming(Number(s.space_id), () =>
      this.ctx.store.transaction(async (tx) => {
        if (!(await tx.uploads.declareLength(s.id, length, was))) throw new KuraError('conflict', 'the upload changed meanwhile (its length declared, or bytes received); ask for its state and go on from there');
        if (length > was) await hold(this.ctx, tx, Number(s.user_id), Number(s.space_id), { bytes: length - was, files: 0, sessions: 0 });
        else if (length < was) await release(tx, { ...s, reserved: was - length, reserved_files: 0 });
      }),
    );
    return (await this.ctx.store.uploads.byId(s.id))!;
  }

  /**
   * Runs a reservation; when the space's quota refuses it and the space holds sessions
   * idle past their expiry, those give their reservations back first and it runs again.
   */
  private async reclaiming<T>(spaceId: number, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!isKuraError(e) || e.code !== 'quota_exceeded' || e.details?.limit !== undefined || (await this.expire(spaceId)) === 0) throw e;
      return fn();
    }
  }

  /** `s` unless it has expired (then it is dropped on the spot). */
  private async live(s: UploadSessionRow | undefined): Promise<UploadSessionRow | undefined> {
    if (!s || Number(s.expires_at) >= this.ctx.now()) return s;
    await this.drop(s.id, true);
    return undefined;
  }

  /** Deletes a session and gives its reservation back, once; then removes its pieces. */
  private async drop(id: string, onlyExpired: boolean): Promise<boolean> {
    const now = this.ctx.now();
    const gone = await this.ctx.store.transaction(async (tx) => {
      const s = await tx.uploads.byId(id);
      if (!s || (onlyExpired && Number(s.expires_at) >= now)) return false;
      if (s.state === 'assembling' && Number(s.updated_at) > now - ASSEMBLY_LEASE_MS) return false;
      if (!(await tx.uploads.delete(id))) return false;
      await release(tx, s);
      return true;
    });
    if (gone) await this.ctx.blobs.deletePieces(id);
    return gone;
  }

  /** Streams the slice into a new piece, at most up to `limit` (for an undeclared length: its `room`); checks the client's digest of it. */
  private async storePiece(session: UploadSessionRow, offset: number, limit: number, known: Span[], stream: Readable, checksum?: Checksum, room?: Room): Promise<PieceRef> {
    let piece: PieceRef;
    const source = checksum ? digesting(stream, checksum.algorithm) : stream;
    try {
      piece = { ...(await this.ctx.blobs.putPiece(session.id, offset, source, { maxBytes: limit - offset, known })), start: offset };
    } catch (e) {
      stream.resume();
      if (isKuraError(e) && e.code === 'payload_too_large') {
        if (room) throw pastRoom(room, offset);
        throw new KuraError('conflict', `the slice at ${offset} runs past the file length ${limit}`, { offset, length: limit });
      }
      if (!isKuraError(e) && (stream.errored || source.errored)) throw new KuraError('bad_request', 'the slice body ended early or is malformed');
      throw e;
    }
    if (checksum && source instanceof Digesting && !source.digest().equals(checksum.digest)) {
      await this.ctx.blobs.deletePiece(session.id, piece);
      throw new KuraError('checksum_mismatch', `the slice's ${checksum.algorithm} digest differs from the one sent; nothing was kept`, { algorithm: checksum.algorithm });
    }
    return piece;
  }

  /** Records a stored piece (record.ts). */
  private record(session: UploadSessionRow, piece: PieceRef): Promise<void> {
    return record(this.ctx, this, session, piece);
  }


  /**
   * A slice for a finished session: answered with the file when its bytes are those of the
   * file at that offset (a client re-sending after a lost answer), 409 when they differ.
   */
  private async resent(actor: Actor, s: UploadSessionRow, offset: number, stream: Readable): Promise<SliceResult> {
    if (s.result_hash === null) {
      stream.resume();
      return this.finished(actor, s);
    }
    const same = offset === Number(s.length) ? (await drained(stream)) === 0 : await isPrefix(stream, await this.ctx.blobs.read(s.result_hash, { start: offset, end: Number(s.length) - 1 }));
    if (!same) throw new KuraError('conflict', `this upload is complete; the slice at ${offset} differs from its bytes there`, { offset });
    return this.finished(actor, s);
  }

  private async finished(actor: Actor, s: UploadSessionRow): Promise<SliceResult> {
    return { done: true, status: await this.statusOf(s.id), item: await this.items.get(actor, Number(s.result_id)) };
  }

  /** Assembles the file, if no other request is doing so already (assembly.ts). */
  private complete(actor: Actor, session: UploadSessionRow, conditions?: Conditions): Promise<SliceResult> {
    return complete(this.ctx, this, this.uploads, actor, session, conditions);
  }
}
