import type { ItemKind, ShareKind } from '../../domain.js';

export interface ShareRow {
  id: number;
  /** The unguessable public id (24 hex digits): share URLs carry it. */
  token: string;
  item_id: number;
  created_by: number;
  kind: ShareKind;
  /** Extraction code of a private share. */
  code: string | null;
  created_at: number;
  expires_at: number | null;
  max_downloads: number | null;
  download_count: number;
}

/** A share with what listings and checks need of its item (its state as the existence rule reads it). */
export type ShareWithItem = ShareRow & {
  item_name: string;
  item_kind: ItemKind;
  space_id: number;
  parent_id: number | null;
  trashed_at: number | null;
  item_version: number;
  item_expires_at: number | null;
};

export interface ShareRepo {
  insert(row: Omit<ShareRow, 'download_count'>): Promise<void>;
  byId(id: number): Promise<ShareWithItem | undefined>;
  byToken(token: string): Promise<ShareWithItem | undefined>;
  /** Shares of items that exist at `now`, in one space, or in `scope` (some spaces, or made by one user), newest first. */
  ofLiveItems(now: number, spaceId?: number, scope?: { spaceIds: number[]; creator: number }): Promise<ShareWithItem[]>;
  delete(id: number): Promise<void>;
  /** Counts one download unless the share reached its limit (then false). */
  countDownload(id: number): Promise<boolean>;
}
