import { randomBytes } from 'node:crypto';
import type { Access } from '../access.js';
import type { Actor } from '../actor.js';
import type { CoreContext } from '../context.js';
import { KuraError } from '../errors.js';
import type { Conditions } from '../guard/conditions.js';
import type { OnConflict } from '../items/placement.js';
import type { Item } from '../items/view.js';
import type { ItemRow, Repos, StagedBlob, UploadSessionRow } from '../ports/index.js';
import type { UploadService } from '../uploads/service.js';
import { checkFileReservation, fileReservation, release } from './holds.js';
import { pieceRef } from './pieces.js';
import { checkTarget, livePieces, mine, sessionTtl, statusOf } from './sessions.js';
import type { SliceResult } from './spec.js';
import { concatenated } from './streams.js';

/** At most this many parts in one concatenation. */
export const MAX_PARTS = 256;

export interface ConcatSpec {
  /** The key of the upload the parts make (tus: the final upload's id). */
  key: string;
  /** Keys of the caller's complete partial uploads, in order. */
  parts: string[];
  target: { folderId: number; name: string };
  meta?: string | null;
  onConflict?: OnConflict;
  /** The file is readable by id without a credential (UploadOptions.public). */
  public?: boolean;
  /** The write's conditions (core/guard), judged when the file is recorded. */
  conditions?: Conditions;
}

/**
 * Makes one file of several complete partial uploads (tus concatenation): their bytes are
 * staged one after the other and recorded through the ordinary upload path, whose
 * transaction also gives their reservations back, deletes their sessions and records the
 * finished upload under `spec.key`. The parts are consumed: a failure anywhere leaves them
 * as they were, and a second concatenation of the same parts fails (409).
 */
export async function concatenate(ctx: CoreContext, access: Access, uploads: UploadService, actor: Actor, spec: ConcatSpec): Promise<SliceResult> {
  if (spec.parts.length === 0 || spec.parts.length > MAX_PARTS) throw new KuraError('bad_request', `a concatenation takes 1–${MAX_PARTS} partial uploads`, { field: 'parts' });
  if (new Set(spec.parts.map((k) => k.toLowerCase())).size !== spec.parts.length) throw new KuraError('bad_request', 'a partial upload is named twice', { field: 'parts' });
  const parts: UploadSessionRow[] = [];
  for (const k of spec.parts) {
    const s = await mine(ctx, actor, k, 'tus');
    const st = await statusOf(ctx, s.id);
    if (!st.partial) throw new KuraError('bad_request', `upload ${k} is not a partial upload`, { part: k });
    if (st.deferred || st.state !== 'open' || st.received < st.length) throw new KuraError('bad_request', `partial upload ${k} is not complete`, { part: k });
    parts.push(s);
  }
  const length = parts.reduce((n, s) => n + Number(s.length), 0);
  if (length > ctx.config.uploadMaxBytes) throw new KuraError('payload_too_large', `the file exceeds the limit of ${ctx.config.uploadMaxBytes} bytes`, { limit: ctx.config.uploadMaxBytes });
  const { spaceId, name } = await checkTarget(ctx, access, actor, spec.target);
  // A full file quota refuses it before any byte is copied (the recording transaction would, after).
  if (await fileReservation(ctx, spec.target.folderId, name, spec.onConflict ?? 'rename')) await checkFileReservation(ctx, spaceId);
  const plan = await Promise.all(parts.map(async (s) => ({ session: s.id, length: Number(s.length), pieces: (await livePieces(ctx, s.id)).map(pieceRef) })));
  const key = spec.key.toLowerCase();
  const held = {
    bytes: parts.reduce((n, s) => n + Number(s.reserved), 0),
    release: async (tx: Repos) => {
      for (const p of parts) {
        const s = await tx.uploads.byId(p.id);
        if (!s || s.state !== 'open' || !(await tx.uploads.delete(p.id))) throw new KuraError('conflict', 'a partial upload is gone (expired, cancelled or concatenated meanwhile)');
        await release(tx, s);
      }
    },
    recorded: async (tx: Repos, row: ItemRow) => {
      const at = ctx.now();
      await tx.uploads.insert({
        id: randomBytes(16).toString('hex'),
        user_id: actor.userId,
        client_key: key,
        space_id: Number(row.space_id),
        parent_id: spec.target.folderId,
        item_id: null,
        name: row.name,
        length,
        reserved: 0,
        reserved_files: 0,
        state: 'done',
        result_id: Number(row.id),
        result_hash: row.blob_hash,
        assembler: null,
        created_at: at,
        updated_at: at,
        expires_at: at + sessionTtl(ctx),
        protocol: 'tus',
        deferred: 0,
        meta: spec.meta ?? null,
        on_conflict: spec.onConflict ?? 'rename',
        concat: `final ${parts.map((p) => p.client_key).join(' ')}`,
        public_read: spec.public ? 1 : 0,
        conditions: null,
      });
    },
  };
  let staged: StagedBlob | undefined;
  let item: Item;
  try {
    staged = await ctx.blobs.stage(concatenated(ctx.blobs, plan), { maxBytes: length });
    if (staged.size !== length) throw new KuraError('conflict', `the parts hold ${staged.size} bytes, not ${length}`);
    item = await uploads.upload(actor, spec.target.folderId, { name, staged }, { onConflict: spec.onConflict ?? 'rename', reservation: held, public: spec.public, conditions: spec.conditions });
  } finally {
    if (staged) await ctx.blobs.discard(staged);
  }
  for (const p of parts) await ctx.blobs.deletePieces(p.id);
  const done = await ctx.store.uploads.byKey(actor.userId, key);
  return { done: true, status: await statusOf(ctx, done!.id), item };
}
