/** A property a client stored on an item (WebDAV PROPPATCH): its name and its value as XML. */
export interface DeadPropRow {
  item_id: number;
  /** Namespace URI ('' for none). */
  ns: string;
  name: string;
  /** The value: XML text that stands on its own (every element declares its namespace). */
  xml: string;
}

export interface DeadPropRepo {
  /** The properties of each of `itemIds` (any order). */
  ofItems(itemIds: readonly number[]): Promise<DeadPropRow[]>;
  /** Sets (insert or replace) and removes properties of one item. */
  apply(itemId: number, set: readonly Omit<DeadPropRow, 'item_id'>[], remove: readonly { ns: string; name: string }[]): Promise<void>;
  /** The properties of the live children of `parentId` that have any. */
  ofChildren(parentId: number): Promise<DeadPropRow[]>;
  /** Copies every property of each `from` item to its `to` item (a copy of a subtree). */
  copy(pairs: readonly { from: number; to: number }[]): Promise<void>;
}
