import { randomBytes } from 'node:crypto';
import type { Actor } from '../actor.js';
import type { CoreContext } from '../context.js';
import { KuraError } from '../errors.js';
import { restoredConditions, type Conditions } from '../guard/conditions.js';
import type { Item } from '../items/view.js';
import { DamagedPiece, type ItemRow, type Repos, type StagedBlob, type UploadSessionRow } from '../ports/index.js';
import type { UploadService } from '../uploads/service.js';
import { release } from './holds.js';
import { pieceRef } from './pieces.js';
import { assemblyLeaseMs, livePieces, sessionTtl, statusOf } from './sessions.js';
import type { SliceResult } from './spec.js';

/** An assembler renews its claim this often (a third of the lease, at most 5 s); one not renewed for the lease (sessions.ts) is taken over. */
const heartbeatMs = (leaseMs: number): number => Math.min(5_000, Math.floor(leaseMs / 3));

/** Assembles the file, if no other request is doing so already. */
export async function complete(ctx: CoreContext, uploads: UploadService, actor: Actor, session: UploadSessionRow, conditions?: Conditions): Promise<SliceResult> {
  const now = ctx.now();
  const claim = randomBytes(8).toString('hex');
  const claimed = await ctx.store.uploads.move(session.id, [{ state: 'open' }, { state: 'assembling', updatedBefore: now - assemblyLeaseMs(ctx) }], { state: 'assembling', updated_at: now, assembler: claim });
  if (!claimed) return { done: false, status: await statusOf(ctx, session.id) };
  ctx.fault('resumable:assembling');
  const heartbeat = setInterval(() => void ctx.store.uploads.heartbeat(session.id, claim, ctx.now()).catch(() => undefined), heartbeatMs(assemblyLeaseMs(ctx)));
  heartbeat.unref();
  try {
    return await assemble(ctx, uploads, actor, session, restoredConditions(session.conditions, conditions));
  } finally {
    clearInterval(heartbeat);
  }
}

/** Stages the whole file from its pieces and records it through the ordinary upload path. */
async function assemble(ctx: CoreContext, uploads: UploadService, actor: Actor, session: UploadSessionRow, conditions: Conditions | undefined): Promise<SliceResult> {
  const pieces = (await livePieces(ctx, session.id)).map(pieceRef);
  const held = {
    bytes: Number(session.reserved),
    release: async (tx: Repos) => {
      const s = await tx.uploads.byId(session.id);
      if (!s || s.state !== 'assembling') throw new KuraError('conflict', 'the upload expired while it was being assembled');
      await release(tx, s);
    },
    recorded: async (tx: Repos, row: ItemRow) => {
      const at = ctx.now();
      await tx.uploads.move(session.id, [{ state: 'assembling' }], { state: 'done', reserved: 0, reserved_files: 0, result_id: Number(row.id), result_hash: row.blob_hash, assembler: null, updated_at: at, expires_at: at + sessionTtl(ctx) });
    },
  };
  let item: Item;
  let staged: StagedBlob | undefined;
  try {
    staged = await ctx.blobs.assemble(session.id, pieces, Number(session.length));
    item =
      session.parent_id !== null
        ? await uploads.upload(actor, Number(session.parent_id), { name: session.name, staged }, { onConflict: session.on_conflict, reservation: held, public: Number(session.public_read) === 1, conditions })
        : await uploads.uploadVersion(actor, Number(session.item_id), staged, { reservation: held, conditions });
  } catch (e) {
    if (staged) await ctx.blobs.discard(staged);
    // The damaged piece is forgotten: the client sends that slice again.
    if (e instanceof DamagedPiece) {
      await ctx.store.uploads.deletePiece(session.id, e.piece.key);
      await ctx.blobs.deletePiece(session.id, e.piece);
    }
    await ctx.store.uploads.move(session.id, [{ state: 'assembling' }], { state: 'open', updated_at: ctx.now() });
    throw e;
  }
  await ctx.store.uploads.deletePieces(session.id);
  await ctx.blobs.deletePieces(session.id);
  return { done: true, status: await statusOf(ctx, session.id), item };
}
