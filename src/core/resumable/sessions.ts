import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import type { CoreContext } from '../context.js';
import type { UploadProtocol } from '../domain.js';
import { KuraError } from '../errors.js';
import { checkName } from '../names.js';
import type { UploadPieceRow, UploadSessionRow } from '../ports/index.js';
import { Right } from '../rights.js';
import { release } from './holds.js';
import { mergedSpans, receivedBytes } from './pieces.js';
import { KEY, type SliceTarget, type UploadStatus } from './spec.js';

/*
 * The resumable service's internals: reading, finding and dropping sessions. Used by the
 * service and its parts (record, assembly, concat); not part of the core's surface.
 */

/**
 * An assembler renews its claim every few seconds (assembly.ts); a claim not renewed for
 * this long (KURA_JOB_LEASE_SECONDS, the lease of every claim on shared work) belongs to a
 * node that is gone (crashed, killed), and the next slice for the session, on any node,
 * takes the assembly over.
 */
export const assemblyLeaseMs = (ctx: CoreContext): number => ctx.config.jobLeaseSeconds * 1000;

/** How long a session lives after its last slice (KURA_UPLOAD_SESSION_SECONDS). */
export const sessionTtl = (ctx: CoreContext): number => ctx.config.uploadSessionSeconds * 1000;

/** The session's pieces, after forgetting those the store may have lost (an earlier epoch). */
export async function livePieces(ctx: CoreContext, id: string): Promise<UploadPieceRow[]> {
  const rows = await ctx.store.uploads.pieces(id);
  const epoch = ctx.blobs.pieceEpoch;
  const lost = rows.filter((r) => r.epoch !== '' && r.epoch !== epoch);
  for (const r of lost) await ctx.store.uploads.deletePiece(id, r.key);
  return lost.length ? rows.filter((r) => !lost.includes(r)) : rows;
}

/** The state of a session, by its id. */
export async function statusOf(ctx: CoreContext, id: string): Promise<UploadStatus> {
  const s = await ctx.store.uploads.byId(id);
  if (!s) throw new KuraError('not_found', 'upload not found');
  const spans = s.state === 'done' ? [{ start: 0, end: Number(s.length) }] : mergedSpans(await livePieces(ctx, id));
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

/** Deletes a session and gives its reservation back, once; then removes its pieces. */
export async function drop(ctx: CoreContext, id: string, onlyExpired: boolean): Promise<boolean> {
  const now = ctx.now();
  const gone = await ctx.store.transaction(async (tx) => {
    const s = await tx.uploads.byId(id);
    if (!s || (onlyExpired && Number(s.expires_at) >= now)) return false;
    if (s.state === 'assembling' && Number(s.updated_at) > now - assemblyLeaseMs(ctx)) return false;
    if (!(await tx.uploads.delete(id))) return false;
    await release(tx, s);
    return true;
  });
  if (gone) await ctx.blobs.deletePieces(id);
  return gone;
}

/** `s` unless it has expired (then it is dropped on the spot). */
export async function live(ctx: CoreContext, s: UploadSessionRow | undefined): Promise<UploadSessionRow | undefined> {
  if (!s || Number(s.expires_at) >= ctx.now()) return s;
  await drop(ctx, s.id, true);
  return undefined;
}

/** One of the caller's live sessions of `protocol` (not found otherwise, also when it is someone else's). */
export async function mine(ctx: CoreContext, actor: Actor, key: string, protocol: UploadProtocol): Promise<UploadSessionRow> {
  const s = KEY.test(key) ? await live(ctx, await ctx.store.uploads.byKey(actor.userId, key.toLowerCase())) : undefined;
  if (!s || s.protocol !== protocol) throw new KuraError('not_found', 'upload not found');
  return s;
}

/** Where a session's quota is held and its file's name; checks the caller's right. */
export async function checkTarget(ctx: CoreContext, access: Access, actor: Actor, target: SliceTarget): Promise<{ spaceId: number; name: string }> {
  if ('partial' in target) {
    if (target.folderId !== undefined) return { spaceId: Number((await access.folder(actor, target.folderId, Right.CREATE)).space_id), name: '' };
    const personal = await ctx.store.spaces.personalOf(actor.userId);
    if (!personal) throw new KuraError('not_found', 'the caller has no personal space to hold a partial upload');
    return { spaceId: Number(personal.id), name: '' };
  }
  if ('folderId' in target) {
    const name = checkName(target.name, 'file name');
    const folder = await access.folder(actor, target.folderId, Right.CREATE);
    return { spaceId: Number(folder.space_id), name };
  }
  const { item } = await access.item(actor, target.itemId, Right.EDIT_BASIC, 'file');
  if (item.kind !== 'file') throw new KuraError('bad_request', 'a folder has no content');
  return { spaceId: Number(item.space_id), name: item.name };
}
