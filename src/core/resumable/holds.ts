import type { CoreContext } from '../context.js';
import { KuraError } from '../errors.js';
import type { OnConflict } from '../items/placement.js';
import { isExpired } from '../items/visibility.js';
import type { Repos, UploadSessionRow } from '../ports/index.js';
import { charge, credit, reservation } from '../usage/ledger.js';

/*
 * What an upload session holds until it completes: bytes (its length, or while the length
 * is still to be declared, the end of the bytes received) and, for a new file, one file
 * slot, reserved against the space's quota beside what is stored; and per user, at most
 * KURA_UPLOAD_SESSIONS_PER_USER open sessions holding at most
 * KURA_UPLOAD_PENDING_BYTES_PER_USER bytes together. Everything is counted in the
 * database, in the transaction that changes it, so no node and no race goes past a limit.
 */

/** What a change adds: bytes, file reservations and sessions. */
export interface Hold {
  bytes: number;
  files: number;
  sessions: number;
}

/**
 * Charges what a user's session came to hold more in a space, once its row says so (in the
 * same transaction, which a refusal rolls back): quota_exceeded when the space's quota or
 * the user's caps do not allow it.
 */
export async function hold(ctx: CoreContext, tx: Repos, userId: number, spaceId: number, add: Hold): Promise<void> {
  const { config } = ctx;
  if (add.sessions > 0 || add.bytes > 0) {
    // Counted with the change made: the user's row is locked first, so concurrent changes count one after the other.
    const held = await tx.uploads.heldBy(userId, ctx.now(), true);
    if (add.sessions > 0 && held.sessions > config.uploadSessionsPerUser) {
      throw new KuraError('quota_exceeded', `you have ${held.sessions - add.sessions} unfinished uploads, the most one user may hold; finish or cancel one first`, {
        limit: 'sessions',
        max: config.uploadSessionsPerUser,
      });
    }
    if (add.bytes > 0 && held.reserved > config.uploadPendingBytesPerUser) {
      throw new KuraError('quota_exceeded', `your unfinished uploads would hold more than ${config.uploadPendingBytesPerUser} bytes together; finish or cancel some first`, {
        limit: 'pending_bytes',
        max: config.uploadPendingBytesPerUser,
        held: held.reserved - add.bytes,
      });
    }
  }
  await charge(tx, spaceId, reservation(add.bytes, add.files));
}

/** Gives back everything a session holds (it ends: completed, cancelled, expired). */
export const release = (tx: Repos, s: UploadSessionRow): Promise<void> => credit(tx, Number(s.space_id), reservation(Number(s.reserved), Number(s.reserved_files)));

/** Whether an upload named `name` into `folderId` makes a new file (1: it needs a file reservation) or, by its onConflict choice, a version of an existing one (0). */
export async function fileReservation(ctx: CoreContext, folderId: number, name: string, onConflict: OnConflict): Promise<number> {
  if (onConflict !== 'version') return 1;
  // An expired file there is gone: the upload makes a new file in its place (items/placement.ts).
  const holder = await ctx.store.items.liveChildByName(folderId, name);
  return holder?.kind === 'file' && !isExpired(holder, ctx.now()) ? 0 : 1;
}

/** Refuses (quota_exceeded) when the space has no room left for a new file; a check before work that would be refused at its end. */
export async function checkFileReservation(ctx: CoreContext, spaceId: number): Promise<void> {
  const space = await ctx.store.spaces.byId(spaceId);
  if (space && space.quota_files !== null && Number(space.used_files) + Number(space.reserved_files) + 1 > Number(space.quota_files)) {
    throw new KuraError('quota_exceeded', 'the space quota does not allow another file', { files: 1 });
  }
}

/** Why an undeclared session may receive no more than `limit` bytes from 0. */
export type Room = { limit: number; by: 'max' | 'quota' | 'user' };

/**
 * How far an upload whose length is still to be declared may receive: UPLOAD_MAX_BYTES,
 * the room left in its space's quota, and under its user's cap, beside what it holds already.
 */
export async function roomOf(ctx: CoreContext, s: UploadSessionRow): Promise<Room> {
  const holds = Number(s.reserved);
  const space = await ctx.store.spaces.byId(Number(s.space_id));
  const spaceRoom = space && space.quota_bytes !== null ? Number(space.quota_bytes) - Number(space.used_bytes) - Number(space.reserved_bytes) : Infinity;
  const held = await ctx.store.uploads.heldBy(Number(s.user_id), ctx.now(), false);
  const userRoom = ctx.config.uploadPendingBytesPerUser - held.reserved;
  let room: Room = { limit: ctx.config.uploadMaxBytes, by: 'max' };
  if (holds + spaceRoom < room.limit) room = { limit: Math.max(holds, holds + spaceRoom), by: 'quota' };
  if (holds + userRoom < room.limit) room = { limit: Math.max(holds, holds + userRoom), by: 'user' };
  return room;
}

/** The refusal of bytes past an undeclared session's room, as they arrive. */
export function pastRoom(room: Room, offset: number): KuraError {
  if (room.by === 'max') return new KuraError('payload_too_large', `the upload exceeds the limit of ${room.limit} bytes`, { limit: room.limit, offset });
  if (room.by === 'quota') return new KuraError('quota_exceeded', `the space quota allows this upload ${room.limit} bytes; nothing of this chunk was kept`, { bytes: room.limit, offset });
  return new KuraError('quota_exceeded', `your unfinished uploads may hold this one ${room.limit} bytes; nothing of this chunk was kept`, { limit: 'pending_bytes', bytes: room.limit, offset });
}
