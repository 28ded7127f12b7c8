/** A pin: `owner_id` refers to the file by `ref`, and so keeps it. */
export interface PinRow {
  item_id: number;
  ref: string;
  owner_id: number;
  /** 1: the pin of a named slot (an avatar, a chat-room cover): its `ref` is unique. */
  slot: number;
  created_at: number;
}

export interface PinRepo {
  /** Records a pin; false when the same (item, owner, ref) existed already. A taken slot is a UniqueViolation. */
  insert(row: PinRow): Promise<boolean>;
  /** Deletes one pin; false when there was none. */
  delete(itemId: number, ownerId: number, ref: string): Promise<boolean>;
  /** Pins of an item, oldest first. */
  ofItem(itemId: number): Promise<PinRow[]>;
  countOf(itemId: number): Promise<number>;
  /** Pins one owner made with one reference on items that exist at `now`, oldest first, with where their items are. */
  byOwnerRef(ownerId: number, ref: string, limit: number, now: number): Promise<(PinRow & { space_id: number; parent_id: number | null })[]>;
  /** The pin holding a slot. */
  slot(ref: string): Promise<PinRow | undefined>;
  /** Milliseconds after its last unpin at which an item expires (undefined: no such rule). */
  policy(itemId: number): Promise<number | undefined>;
  setPolicy(itemId: number, ttlMs: number): Promise<void>;
}
