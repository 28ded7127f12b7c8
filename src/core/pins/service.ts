import { Access } from '../access.js';
import type { Actor } from '../actor.js';
import { badRequest, KuraError } from '../errors.js';
import { assertWriter } from '../guard/guard.js';
import type { MetadataStore, PinRow, Repos } from '../ports/index.js';
import { isPending } from '../items/visibility.js';
import { has, Right } from '../rights.js';

/** A pin as the faces see it. */
export interface Pin {
  itemId: number;
  ref: string;
  ownerId: number;
  /** The pin of a named slot (an avatar, a cover…), set and removed by the slot alone. */
  slot: boolean;
  createdAt: number;
}

export const toPin = (r: PinRow): Pin => ({ itemId: Number(r.item_id), ref: r.ref, ownerId: Number(r.owner_id), slot: Number(r.slot) === 1, createdAt: Number(r.created_at) });

/** Longest reference string. */
export const MAX_REF = 255;

/** A reference string a client may use: 1–255 characters, no control characters. */
export function checkRef(ref: unknown): string {
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > MAX_REF) throw badRequest(`ref must be a string of 1 to ${MAX_REF} characters`, { field: 'ref' });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(ref)) throw badRequest('ref may not contain control characters', { field: 'ref' });
  return ref;
}

/**
 * Pins a live file inside `tx`. A file that expires when unpinned (pin_policies) stops
 * expiring; any other keeps its expiry. The item's row is updated first (so a concurrent
 * expiry sweep either sees the cleared expiry or has already deleted it: not_found).
 */
export async function pinTx(tx: Repos, row: PinRow): Promise<boolean> {
  const item = await tx.items.byId(row.item_id);
  if (!item || item.kind !== 'file' || isPending(item)) throw new KuraError('not_found', 'file not found');
  const policy = await tx.pins.policy(row.item_id);
  const expires = policy !== undefined ? null : item.expires_at === null ? null : Number(item.expires_at);
  if (!(await tx.items.setExpiryIfLive(row.item_id, row.created_at, expires))) throw new KuraError('not_found', 'file not found');
  return tx.pins.insert(row);
}

/** Removes a pin inside `tx`; when it was the file's last and the file expires unpinned, its clock starts again. */
export async function unpinTx(tx: Repos, itemId: number, ownerId: number, ref: string, now: number): Promise<boolean> {
  if (!(await tx.pins.delete(itemId, ownerId, ref))) return false;
  if ((await tx.pins.countOf(itemId)) > 0) return true;
  const policy = await tx.pins.policy(itemId);
  if (policy !== undefined) await tx.items.setExpiryIfLive(itemId, now, now + policy);
  return true;
}

/**
 * Pins: a reference string that keeps a file. Files uploaded with an unpinned TTL (social's
 * generic uploads) are deleted for good by the expiry sweep unless a pin references them
 * in time; unpinning the last pin starts the clock again. Each user has their own
 * references; pinning needs the right to edit the file (it changes how long it lives).
 * Slot pins (core/pins/slots.ts) belong to their slot and cannot be removed here.
 */
export class PinService {
  constructor(
    private readonly store: MetadataStore,
    private readonly access: Access,
    private readonly now: () => number,
  ) {}

  async pin(actor: Actor, itemId: number, rawRef: unknown): Promise<{ pin: Pin; created: boolean }> {
    assertWriter(actor);
    const ref = checkRef(rawRef);
    return this.store.transaction(async (tx) => {
      await this.editable(tx, actor, itemId);
      const row: PinRow = { item_id: itemId, ref, owner_id: actor.userId, slot: 0, created_at: this.now() };
      const created = await pinTx(tx, row);
      const pin = (await tx.pins.ofItem(itemId)).find((p) => Number(p.owner_id) === actor.userId && p.ref === ref)!;
      return { pin: toPin(pin), created };
    });
  }

  async unpin(actor: Actor, itemId: number, rawRef: unknown): Promise<void> {
    assertWriter(actor);
    const ref = checkRef(rawRef);
    await this.store.transaction(async (tx) => {
      await this.editable(tx, actor, itemId);
      const mine = (await tx.pins.ofItem(itemId)).find((p) => Number(p.owner_id) === actor.userId && p.ref === ref);
      if (!mine) throw new KuraError('not_found', 'no such pin');
      if (Number(mine.slot) === 1) throw new KuraError('forbidden', 'this pin belongs to a slot; replace or clear the slot instead');
      await unpinTx(tx, itemId, actor.userId, ref, this.now());
    });
  }

  /** The pins of a file the caller may see, oldest first. */
  async ofItem(actor: Actor, itemId: number): Promise<Pin[]> {
    await this.access.item(actor, itemId, Right.READ_ATTRS, 'file');
    return (await this.store.pins.ofItem(itemId)).map(toPin);
  }

  /** The caller's pins with one reference (the files it keeps that exist and it may still see), oldest first. */
  async byRef(actor: Actor, rawRef: unknown): Promise<Pin[]> {
    const out: Pin[] = [];
    for (const r of await this.store.pins.byOwnerRef(actor.userId, checkRef(rawRef), 10_000, this.now())) {
      const located = { id: Number(r.item_id), space_id: Number(r.space_id), parent_id: r.parent_id === null ? null : Number(r.parent_id) };
      if (has(await this.access.rightsOn(actor, located), Right.READ_ATTRS)) out.push(toPin(r));
    }
    return out;
  }

  private async editable(tx: Repos, actor: Actor, itemId: number): Promise<void> {
    const { item } = await new Access(tx, this.now).item(actor, itemId, Right.EDIT_BASIC, 'file');
    if (item.kind !== 'file') throw badRequest('only files can be pinned');
  }
}
