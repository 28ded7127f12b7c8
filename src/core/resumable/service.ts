import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import type { CoreContext } from '../context.js';
import { isKuraError, KuraError } from '../errors.js';
import type { ItemQueries } from '../items/queries.js';
import type { Item } from '../items/view.js';
import { checkName } from '../names.js';
import { DamagedPiece, type ItemRow, type PieceRef, type Repos, type Span, type StagedBlob, type UploadPieceRow, type UploadSessionRow } from '../ports/index.js';
import { Right } from '../rights.js';
import type { UploadService } from '../uploads/service.js';
import { charge, credit, reservation } from '../usage/ledger.js';
import { covered, mergedSpans, overlap, pieceRef, receivedBytes, sameBytes, spanOf } from './pieces.js';

/** Where a sliced upload goes: a new file in a folder, or a new version of a file. */
export type SliceTarget = { folderId: number; name: string } | { itemId: number };

export interface SessionSpec {
  /** The client's key for the upload (drive: FileTempId); unique per user. */
  key: string;
  target: SliceTarget;
  length: number;
}

export interface UploadStatus {
  key: string;
  name: string;
  length: number;
  received: number;
  /** Received byte ranges, inclusive, merged and in order. */
  ranges: [number, number][];
  state: 'open' | 'assembling' | 'done';
  folderId: number | null;
  itemId: number | null;
  createdAt: number;
  expiresAt: number;
}

export type SliceResult = { done: false; status: UploadStatus } | { done: true; status: UploadStatus; item: Item };

/** A piece per slice; more means a client slicing absurdly thin. */
const MAX_PIECES = 10_000;
/**
 * An assembler renews its claim every HEARTBEAT_MS; a claim not renewed for
 * ASSEMBLY_LEASE_MS belongs to a node that is gone (crashed, killed), and the next slice
 * for the session, on any node, takes the assembly over.
 */
const ASSEMBLY_LEASE_MS = 30_000;
const HEARTBEAT_MS = 5_000;
const KEY = /^[A-Za-z0-9][A-Za-z0-9_.{}()-]{0,99}$/;

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

  /** Finds the caller's session for `spec.key` or starts one, reserving the length. */
  async open(actor: Actor, spec: SessionSpec): Promise<UploadSessionRow> {
    const key = checkKey(spec.key);
    if (!Number.isSafeInteger(spec.length) || spec.length < 0) throw new KuraError('bad_request', 'the file length must be a whole number ≥ 0', { field: 'length' });
    if (spec.length > this.ctx.config.uploadMaxBytes) {
      throw new KuraError('payload_too_large', `the file exceeds the limit of ${this.ctx.config.uploadMaxBytes} bytes`, { limit: this.ctx.config.uploadMaxBytes });
    }
    for (let attempt = 0; ; attempt++) {
      const found = await this.live(await this.ctx.store.uploads.byKey(actor.userId, key));
      if (found) return sameSpec(found, spec);
      const { spaceId, name } = await this.checkTarget(actor, spec.target);
      const now = this.ctx.now();
      const row: UploadSessionRow = {
        id: randomBytes(16).toString('hex'),
        user_id: actor.userId,
        client_key: key,
        space_id: spaceId,
        parent_id: 'folderId' in spec.target ? spec.target.folderId : null,
        item_id: 'itemId' in spec.target ? spec.target.itemId : null,
        name,
        length: spec.length,
        reserved: spec.length,
        state: 'open',
        result_id: null,
        result_hash: null,
        assembler: null,
        created_at: now,
        updated_at: now,
        expires_at: now + this.ttl(),
      };
      try {
        await this.ctx.store.transaction(async (tx) => {
          await charge(tx, spaceId, reservation(spec.length));
          await tx.uploads.insert(row);
        });
        return row;
      } catch (e) {
        // Another request (or node) started the same session first: use that one.
        if (isKuraError(e) || attempt > 2 || !(await this.ctx.store.uploads.byKey(actor.userId, key))) throw e;
      }
    }
  }

  /** Receives one slice at `offset`; the slice that completes the file answers the file. */
  async slice(actor: Actor, spec: SessionSpec, offset: number, stream: Readable): Promise<SliceResult> {
    let session: UploadSessionRow;
    try {
      session = await this.open(actor, spec);
      if (!Number.isSafeInteger(offset) || offset < 0) throw new KuraError('bad_request', 'the slice offset must be a whole number ≥ 0', { field: 'offset' });
      if (offset > Number(session.length)) throw new KuraError('conflict', `the slice starts at ${offset}, beyond the file length ${session.length}`, { offset, length: Number(session.length) });
    } catch (e) {
      stream.resume();
      throw e;
    }
    if (session.state === 'done') return this.resent(actor, session, offset, stream);
    const piece = await this.storePiece(session, offset, stream);
    try {
      if (piece.size > 0) await this.record(session, piece);
      else await this.ctx.blobs.deletePiece(session.id, piece);
    } catch (e) {
      await this.ctx.blobs.deletePiece(session.id, piece);
      throw e;
    }
    const status = await this.statusOf(session.id);
    if (status.state === 'done') return this.finished(actor, (await this.ctx.store.uploads.byId(session.id))!);
    if (status.received < status.length) return { done: false, status };
    return this.complete(actor, session);
  }

  /** Receives a slice for one of the caller's existing sessions (native API). */
  async append(actor: Actor, key: string, offset: number, stream: Readable): Promise<SliceResult> {
    let s: UploadSessionRow;
    try {
      s = await this.mine(actor, key);
    } catch (e) {
      stream.resume();
      throw e;
    }
    const target: SliceTarget = s.item_id !== null ? { itemId: Number(s.item_id) } : { folderId: Number(s.parent_id), name: s.name };
    return this.slice(actor, { key: s.client_key, target, length: Number(s.length) }, offset, stream);
  }

  /** The state of one of the caller's sessions. */
  async status(actor: Actor, key: string): Promise<UploadStatus> {
    const s = await this.mine(actor, key);
    return this.statusOf(s.id);
  }

  /** Cancels one of the caller's sessions: pieces removed, reservation given back. */
  async cancel(actor: Actor, key: string): Promise<void> {
    const s = await this.mine(actor, key);
    if (s.state === 'assembling' && Number(s.updated_at) > this.ctx.now() - ASSEMBLY_LEASE_MS) throw new KuraError('conflict', 'the upload is being assembled');
    await this.drop(s.id, false);
  }

  /** Removes expired sessions, their pieces and their reservations; returns how many. */
  async expire(): Promise<number> {
    const now = this.ctx.now();
    let dropped = 0;
    for (const s of await this.ctx.store.uploads.expired(now, 1000)) if (await this.drop(s.id, true)) dropped++;
    return dropped;
  }

  private ttl = () => this.ctx.config.uploadSessionSeconds * 1000;

  private async mine(actor: Actor, key: string): Promise<UploadSessionRow> {
    const s = KEY.test(key) ? await this.live(await this.ctx.store.uploads.byKey(actor.userId, key.toLowerCase())) : undefined;
    if (!s) throw new KuraError('not_found', 'upload not found');
    return s;
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
      await credit(tx, Number(s.space_id), reservation(Number(s.reserved)));
      return true;
    });
    if (gone) await this.ctx.blobs.deletePieces(id);
    return gone;
  }

  private async checkTarget(actor: Actor, target: SliceTarget): Promise<{ spaceId: number; name: string }> {
    if ('folderId' in target) {
      const name = checkName(target.name, 'file name');
      const folder = await this.access.folder(actor, target.folderId, Right.CREATE);
      return { spaceId: Number(folder.space_id), name };
    }
    const { item } = await this.access.item(actor, target.itemId, Right.EDIT_BASIC, 'file');
    if (item.kind !== 'file') throw new KuraError('bad_request', 'a folder has no content');
    return { spaceId: Number(item.space_id), name: item.name };
  }

  /** Streams the slice into a new piece, at most up to the end of the file. */
  private async storePiece(session: UploadSessionRow, offset: number, stream: Readable): Promise<PieceRef> {
    try {
      const known = mergedSpans(await this.livePieces(session.id));
      return { ...(await this.ctx.blobs.putPiece(session.id, offset, stream, { maxBytes: Number(session.length) - offset, known })), start: offset };
    } catch (e) {
      stream.resume();
      if (isKuraError(e) && e.code === 'payload_too_large') {
        throw new KuraError('conflict', `the slice at ${offset} runs past the file length ${session.length}`, { offset, length: Number(session.length) });
      }
      if (!isKuraError(e) && stream.errored) throw new KuraError('bad_request', 'the slice body ended early or is malformed');
      throw e;
    }
  }

  /**
   * Records a stored piece after comparing it with every recorded piece it overlaps. A piece
   * recorded meanwhile by another request is compared in the next round, so two different
   * byte runs for one range can never both be accepted.
   */
  private async record(session: UploadSessionRow, piece: PieceRef): Promise<void> {
    const offset = piece.start;
    const mine: Span = { start: offset, end: offset + piece.size };
    const compared = new Set<string>();
    for (let round = 0; round < 10; round++) {
      const pieces = await this.livePieces(session.id);
      for (const p of pieces) {
        const common = overlap(mine, spanOf(p));
        if (!common || compared.has(p.key)) continue;
        // In place, the store compared while writing.
        if (this.ctx.blobs.piecesInPlace) {
          compared.add(p.key);
          continue;
        }
        const [ours, theirs] = await Promise.all([
          this.ctx.blobs.readPiece(session.id, piece, { start: common.start - offset, end: common.end - offset - 1 }),
          this.ctx.blobs.readPiece(session.id, pieceRef(p), { start: common.start - Number(p.start), end: common.end - Number(p.start) - 1 }),
        ]);
        if (!(await sameBytes(ours, theirs))) {
          throw new KuraError('conflict', `the slice at ${offset} differs from bytes already received for ${common.start}–${common.end - 1}`, { offset, start: common.start, end: common.end - 1 });
        }
        compared.add(p.key);
      }
      // A re-sent slice adds nothing: its bytes are known and equal.
      if (covered(mergedSpans(pieces), mine)) {
        await this.ctx.blobs.deletePiece(session.id, piece);
        return;
      }
      if (pieces.length >= MAX_PIECES) throw new KuraError('conflict', `an upload takes at most ${MAX_PIECES} slices`);
      const outcome = await this.ctx.store.transaction(async (tx) => {
        const s = await tx.uploads.byId(session.id);
        if (!s || s.state !== 'open') return 'closed';
        const now = await tx.uploads.pieces(session.id);
        if (now.some((p) => !compared.has(p.key) && overlap(mine, spanOf(p)))) return 'again';
        const at = this.ctx.now();
        await tx.uploads.insertPiece({ session_id: session.id, key: piece.key, start: offset, size: piece.size, epoch: piece.epoch, created_at: at });
        await tx.uploads.touch(session.id, at, at + this.ttl());
        return 'recorded';
      });
      if (outcome === 'recorded') return;
      if (outcome === 'closed') {
        await this.ctx.blobs.deletePiece(session.id, piece);
        return;
      }
    }
    throw new KuraError('conflict', 'too many concurrent slices for the same range; send this one again');
  }

  /** The session's pieces, after forgetting those the store may have lost (an earlier epoch). */
  private async livePieces(id: string): Promise<UploadPieceRow[]> {
    const rows = await this.ctx.store.uploads.pieces(id);
    const epoch = this.ctx.blobs.pieceEpoch;
    const lost = rows.filter((r) => r.epoch !== '' && r.epoch !== epoch);
    for (const r of lost) await this.ctx.store.uploads.deletePiece(id, r.key);
    return lost.length ? rows.filter((r) => !lost.includes(r)) : rows;
  }

  private async statusOf(id: string): Promise<UploadStatus> {
    const s = await this.ctx.store.uploads.byId(id);
    if (!s) throw new KuraError('not_found', 'upload not found');
    const spans = s.state === 'done' ? [{ start: 0, end: Number(s.length) }] : mergedSpans(await this.livePieces(id));
    return {
      key: s.client_key,
      name: s.name,
      length: Number(s.length),
      received: receivedBytes(spans),
      ranges: spans.filter((r) => r.end > r.start).map((r) => [r.start, r.end - 1]),
      state: s.state,
      folderId: s.parent_id === null ? null : Number(s.parent_id),
      itemId: s.item_id === null ? (s.result_id === null ? null : Number(s.result_id)) : Number(s.item_id),
      createdAt: Number(s.created_at),
      expiresAt: Number(s.expires_at),
    };
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

  /** Assembles the file, if no other request is doing so already. */
  private async complete(actor: Actor, session: UploadSessionRow): Promise<SliceResult> {
    const now = this.ctx.now();
    const claim = randomBytes(8).toString('hex');
    const claimed = await this.ctx.store.uploads.move(session.id, [{ state: 'open' }, { state: 'assembling', updatedBefore: now - ASSEMBLY_LEASE_MS }], { state: 'assembling', updated_at: now, assembler: claim });
    if (!claimed) return { done: false, status: await this.statusOf(session.id) };
    this.ctx.fault('resumable:assembling');
    const heartbeat = setInterval(() => void this.ctx.store.uploads.heartbeat(session.id, claim, this.ctx.now()).catch(() => undefined), HEARTBEAT_MS);
    heartbeat.unref();
    try {
      return await this.assemble(actor, session);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Stages the whole file from its pieces and records it through the ordinary upload path. */
  private async assemble(actor: Actor, session: UploadSessionRow): Promise<SliceResult> {
    const pieces = (await this.livePieces(session.id)).map(pieceRef);
    const held = {
      bytes: Number(session.reserved),
      release: async (tx: Repos) => {
        const s = await tx.uploads.byId(session.id);
        if (!s || s.state !== 'assembling') throw new KuraError('conflict', 'the upload expired while it was being assembled');
        await credit(tx, Number(s.space_id), reservation(Number(s.reserved)));
      },
      recorded: async (tx: Repos, row: ItemRow) => {
        const at = this.ctx.now();
        await tx.uploads.move(session.id, [{ state: 'assembling' }], { state: 'done', reserved: 0, result_id: Number(row.id), result_hash: row.blob_hash, assembler: null, updated_at: at, expires_at: at + this.ttl() });
      },
    };
    let item: Item;
    let staged: StagedBlob | undefined;
    try {
      staged = await this.ctx.blobs.assemble(session.id, pieces, Number(session.length));
      item =
        session.parent_id !== null
          ? await this.uploads.upload(actor, Number(session.parent_id), { name: session.name, staged }, { onConflict: 'rename', reservation: held })
          : await this.uploads.uploadVersion(actor, Number(session.item_id), staged, { reservation: held });
    } catch (e) {
      if (staged) await this.ctx.blobs.discard(staged);
      // The damaged piece is forgotten: the client sends that slice again.
      if (e instanceof DamagedPiece) {
        await this.ctx.store.uploads.deletePiece(session.id, e.piece.key);
        await this.ctx.blobs.deletePiece(session.id, e.piece);
      }
      await this.ctx.store.uploads.move(session.id, [{ state: 'assembling' }], { state: 'open', updated_at: this.ctx.now() });
      throw e;
    }
    await this.ctx.store.uploads.deletePieces(session.id);
    await this.ctx.blobs.deletePieces(session.id);
    return { done: true, status: await this.statusOf(session.id), item };
  }
}

/** Reads a stream to its end; how many bytes it held. */
async function drained(s: Readable): Promise<number> {
  let n = 0;
  for await (const c of s) n += (c as Buffer).length;
  return n;
}

/** Whether `part` (read whole) is the beginning of `whole` (released either way). */
async function isPrefix(part: Readable, whole: Readable): Promise<boolean> {
  const it = whole[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let buf: Buffer = Buffer.alloc(0);
  let same = true;
  try {
    for await (const chunk of part) {
      let c = chunk as Buffer;
      while (same && c.length > 0) {
        if (buf.length === 0) {
          const r = await it.next();
          if (r.done) {
            same = false;
            break;
          }
          buf = r.value;
        }
        const n = Math.min(buf.length, c.length);
        if (!buf.subarray(0, n).equals(c.subarray(0, n))) same = false;
        buf = buf.subarray(n);
        c = c.subarray(n);
      }
    }
    return same;
  } finally {
    whole.destroy();
  }
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || !KEY.test(key)) throw new KuraError('bad_request', 'the upload key must be 1–100 letters, digits or -_.{}()', { field: 'key' });
  return key.toLowerCase();
}

/** The same key must always name the same upload. */
function sameSpec(s: UploadSessionRow, spec: SessionSpec): UploadSessionRow {
  const t = spec.target;
  const same =
    Number(s.length) === spec.length &&
    ('folderId' in t ? s.parent_id !== null && Number(s.parent_id) === t.folderId && s.name === checkName(t.name, 'file name') : s.item_id !== null && Number(s.item_id) === t.itemId);
  if (!same) throw new KuraError('conflict', 'this upload key is in use for another file (name, folder or length differ)');
  return s;
}
