import type { UploadProtocol } from '../domain.js';
import { KuraError } from '../errors.js';
import type { OnConflict } from '../items/placement.js';
import type { Conditions } from '../guard/conditions.js';
import type { Item } from '../items/view.js';
import { checkName } from '../names.js';
import type { UploadSessionRow } from '../ports/index.js';
import type { Checksum } from './streams.js';

/* What a resumable upload is asked to be, what it answers, and the checks on a client's key and spec. */

/**
 * Where a sliced upload goes: a new file in a folder, a new version of a file, or nowhere
 * yet (a part of a later concatenation; its quota is held in the folder's space, else in the
 * caller's personal space).
 */
export type SliceTarget = { folderId: number; name: string } | { itemId: number } | { partial: true; folderId?: number };

export interface SessionSpec {
  /** The client's key for the upload (drive: FileTempId); unique per user. */
  key: string;
  target: SliceTarget;
  /** null: declared later, by a slice (tus creation-defer-length); until then the bytes received are reserved as they arrive. */
  length: number | null;
  /** Default 'slices'. A session is continued only by the protocol that started it. */
  protocol?: UploadProtocol;
  /** The client's metadata, kept as sent (at most 4 KiB). */
  meta?: string | null;
  /** What completion does on a name clash (default 'rename'). */
  onConflict?: OnConflict;
  /**
   * The new file is readable by id without a credential (UploadOptions.public); kept with the
   * session from its start, whichever request completes it. Default private.
   */
  public?: boolean;
  /** The write's conditions (core/guard): judged when the session opens and again, in the recording transaction, when it completes. */
  conditions?: Conditions;
}

/** How a slice is taken. */
export interface ReceiveOptions {
  /** The slice must start where the bytes received from 0 end (tus), else conflict with `details.offset`. */
  contiguous?: boolean;
  /** The slice's bytes must have this digest, else `checksum_mismatch` and nothing is recorded. */
  checksum?: Checksum;
  /** Declares the length of a session opened without one (or repeats it). */
  length?: number;
  /** Lock tokens this request holds (a slice that completes the upload writes the file); added to those the session was opened with. */
  conditions?: Pick<Conditions, 'lockTokens'>;
}

export interface UploadStatus {
  key: string;
  name: string;
  length: number;
  received: number;
  /** Where the bytes received from 0 end (the tus offset). */
  offset: number;
  /** Whether the length is still to be declared (then `length` is 0). */
  deferred: boolean;
  /** A part of a later concatenation (completing it makes no file). */
  partial: boolean;
  /** The keys of the parts this upload was concatenated from. */
  parts: string[] | null;
  /** The client's metadata as sent. */
  meta: string | null;
  /** Received byte ranges, inclusive, merged and in order. */
  ranges: [number, number][];
  state: 'open' | 'assembling' | 'done';
  folderId: number | null;
  itemId: number | null;
  createdAt: number;
  expiresAt: number;
}

export type SliceResult = { done: false; status: UploadStatus } | { done: true; status: UploadStatus; item: Item };

/** A client's upload key: 1–100 letters, digits or -_.{}() (compared ignoring case). */
export const KEY = /^[A-Za-z0-9][A-Za-z0-9_.{}()-]{0,99}$/;

export function checkKey(key: string): string {
  if (typeof key !== 'string' || !KEY.test(key)) throw new KuraError('bad_request', 'the upload key must be 1–100 letters, digits or -_.{}()', { field: 'key' });
  return key.toLowerCase();
}

/** The same key must always name the same upload. */
export function sameSpec(s: UploadSessionRow, spec: SessionSpec, protocol: UploadProtocol): UploadSessionRow {
  const t = spec.target;
  const same =
    s.protocol === protocol &&
    (spec.length === null ? Number(s.deferred) === 1 : Number(s.deferred) === 0 && Number(s.length) === spec.length) &&
    ('partial' in t
      ? s.concat === 'partial'
      : 'folderId' in t
        ? s.parent_id !== null && Number(s.parent_id) === t.folderId && s.name === checkName(t.name, 'file name')
        : s.item_id !== null && Number(s.item_id) === t.itemId);
  if (!same) throw new KuraError('conflict', 'this upload key is in use for another file (name, folder or length differ)');
  return s;
}
