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
import type { PieceRef, Span, UploadSessionRow } from '../ports/index.js';
import type { UploadService } from '../uploads/service.js';
import { mergedSpans } from './pieces.js';
import { complete } from './assembly.js';
import { type ConcatSpec, concatenate } from './concat.js';
import { record } from './record.js';
import { checkResent, storePiece } from './bytes.js';
import { fileReservation, hold, pastRoom, release, roomOf, type Room } from './holds.js';
import { assemblyLeaseMs, checkTarget, drop, live, livePieces, mine, sessionTtl, statusOf } from './sessions.js';
import { checkKey, type ReceiveOptions, sameSpec, type SessionSpec, type SliceResult, type SliceTarget, type UploadStatus } from './spec.js';
import type { Conditions } from '../guard/conditions.js';

export type { ReceiveOptions, SessionSpec, SliceResult, SliceTarget, UploadStatus };

const MAX_META = 4096;
/** How long a status request waits for another node's assembly before giving up. */

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
   * known) and, for a new file, a file reservation; within the caller's caps on open sessions and
   * the bytes they hold.
   */
  async open(actor: Actor, spec: SessionSpec): Promise<UploadStatus> {
    return statusOf(this.ctx, (await this.session(actor, spec)).id);
  }

  /** open(), answering the session's row. */
  private async session(actor: Actor, spec: SessionSpec): Promise<UploadSessionRow> {
    assertWriter(actor);
    const key = checkKey(spec.key);
    const conditions = checkConditions(spec.conditions);
    const protocol = spec.protocol ?? 'slices';
    if (spec.length !== null) this.checkLength(spec.length);
    if (spec.meta && spec.meta.length > MAX_META) throw new KuraError('bad_request', `the upload metadata exceeds ${MAX_META} characters`, { field: 'metadata' });
    for (let attempt = 0; ; attempt++) {
      const found = await live(this.ctx, await this.ctx.store.uploads.byKey(actor.userId, key));
      if (found) return sameSpec(found, spec, protocol);
      const { spaceId, name } = await checkTarget(this.ctx, this.access, actor, spec.target);
      const t = spec.target;
      // The write guard before any byte: read-only callers, locks, the caller's conditions (judged again on completion).
      if ('itemId' in t) await this.uploads.checkVersionTarget(actor, t.itemId, { conditions });
      else if (!('partial' in t)) await this.uploads.checkTarget(actor, t.folderId, { name, onConflict: spec.onConflict ?? 'rename', conditions });
      const now = this.ctx.now();
      const length = spec.length ?? 0;
      const files = 'folderId' in t && !('partial' in t) ? await fileReservation(this.ctx, t.folderId, name, spec.onConflict ?? 'rename') : 0;
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
        expires_at: now + sessionTtl(this.ctx),
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
      session = await this.session(actor, spec);
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
      s = await mine(this.ctx, actor, key, protocol);
    } catch (e) {
      stream.resume();
      throw e;
    }
    return this.receive(actor, s, offset, stream, opts);
  }

  /** The state of one of the caller's sessions. */
  async status(actor: Actor, key: string, protocol: UploadProtocol = 'slices'): Promise<UploadStatus> {
    const s = await mine(this.ctx, actor, key, protocol);
    return statusOf(this.ctx, s.id);
  }

  /**
   * The state of one of the caller's sessions, after finishing it if every byte is in but
   * no file was made (the node that received the last slice died while assembling): the
   * assembly is taken over, or awaited while another node's lease on it is alive.
   */
  async settle(actor: Actor, key: string, protocol: UploadProtocol = 'slices'): Promise<SliceResult> {
    const s = await mine(this.ctx, actor, key, protocol);
    // Another node's live claim runs out within a lease; then this node takes it over.
    const until = this.ctx.now() + assemblyLeaseMs(this.ctx) + 5_000;
    for (;;) {
      const status = await statusOf(this.ctx, s.id);
      if (status.state === 'done') return this.finished(actor, (await this.ctx.store.uploads.byId(s.id))!);
      if (status.deferred || status.partial || status.received < status.length) return { done: false, status };
      let r: SliceResult;
      try {
        r = await this.complete(actor, (await this.ctx.store.uploads.byId(s.id))!);
      } catch (e) {
        // The assembly failed (a name clash with onConflict fail, the quota): a status request still answers.
        if (!isKuraError(e)) throw e;
        return { done: false, status: await statusOf(this.ctx, s.id) };
      }
      if (r.done || this.ctx.now() > until) return r;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Makes one file of the caller's complete partial uploads (concat.ts). */
  async concat(actor: Actor, spec: ConcatSpec): Promise<SliceResult> {
    assertWriter(actor);
    return concatenate(this.ctx, this.access, this.uploads, actor, spec);
  }

  /** Cancels one of the caller's sessions: pieces removed, reservation given back. */
  async cancel(actor: Actor, key: string, protocol: UploadProtocol = 'slices'): Promise<void> {
    assertWriter(actor);
    const s = await mine(this.ctx, actor, key, protocol);
    if (s.state === 'assembling' && Number(s.updated_at) > this.ctx.now() - assemblyLeaseMs(this.ctx)) throw new KuraError('conflict', 'the upload is being assembled');
    await drop(this.ctx, s.id, false);
  }

  /** Removes expired sessions (of one space, when given), their pieces and their reservations; returns how many. */
  async expire(spaceId?: number): Promise<number> {
    const now = this.ctx.now();
    let dropped = 0;
    for (const s of await this.ctx.store.uploads.expired(now, 1000, spaceId)) if (await drop(this.ctx, s.id, true)) dropped++;
    return dropped;
  }

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
      if (session.state !== 'done') known = mergedSpans(await livePieces(this.ctx, session.id));
      if (opts.contiguous) {
        const at = session.state === 'done' ? Number(session.length) : known[0]?.start === 0 ? known[0].end : 0;
        if (offset !== at) throw new KuraError('conflict', `the upload is at offset ${at}, not ${offset}`, { offset: at });
      }
    } catch (e) {
      stream.resume();
      throw e;
    }
    if (session.state === 'done') return this.resent(actor, session, offset, stream);
    const piece = await storePiece(this.ctx, session, offset, limit, known, stream, opts.checksum, room);
    try {
      if (piece.size > 0) await this.record(session, piece);
      else await this.ctx.blobs.deletePiece(session.id, piece);
    } catch (e) {
      await this.ctx.blobs.deletePiece(session.id, piece);
      throw e;
    }
    const status = await statusOf(this.ctx, session.id);
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
    const spans = mergedSpans(await livePieces(this.ctx, s.id));
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

  /** Records a stored piece (record.ts). */
  private record(session: UploadSessionRow, piece: PieceRef): Promise<void> {
    return record(this.ctx, session, piece);
  }

  /** A slice for a finished session (bytes.ts): answered with the file when it re-sends the file's bytes. */
  private async resent(actor: Actor, s: UploadSessionRow, offset: number, stream: Readable): Promise<SliceResult> {
    await checkResent(this.ctx, s, offset, stream);
    return this.finished(actor, s);
  }

  private async finished(actor: Actor, s: UploadSessionRow): Promise<SliceResult> {
    return { done: true, status: await statusOf(this.ctx, s.id), item: await this.items.get(actor, Number(s.result_id)) };
  }

  /** Assembles the file, if no other request is doing so already (assembly.ts). */
  private complete(actor: Actor, session: UploadSessionRow, conditions?: Conditions): Promise<SliceResult> {
    return complete(this.ctx, this.uploads, actor, session, conditions);
  }
}
