import { createHash } from 'node:crypto';
import { badRequest, KuraError } from '../errors.js';
import type { Item } from '../items/view.js';
import type { ItemRow } from '../ports/index.js';

/**
 * What a caller expects of the item a write names, and the lock tokens it holds. Every
 * write of the core takes them (its `conditions` option) and the write guard judges them
 * inside the transaction that writes: a condition that does not hold is
 * `precondition_failed` and nothing changes.
 */
export interface Conditions {
  /** The item must exist and its ETag be one of these ('*': it must exist). HTTP If-Match. */
  ifMatch?: '*' | readonly string[];
  /** '*': the item must not exist (a write to a free name); ETags: its ETag must be none of these. HTTP If-None-Match. */
  ifNoneMatch?: '*' | readonly string[];
  /** The file's current version number must be this one. A folder has none (bad_request: use its ETag). */
  version?: number;
  /** Lock tokens the caller holds (core/guard/locks.ts); a write to a locked item needs one. */
  lockTokens?: readonly string[];
}

/** The fields an item's ETag is made of. */
type Tagged = Pick<ItemRow, 'id' | 'kind' | 'blob_hash' | 'parent_id' | 'name' | 'description' | 'custom_tag' | 'properties' | 'system' | 'modified_at'>;

/**
 * The ETag of an item, unquoted: for a file the SHA-256 of its current content (what every
 * face sends as the ETag of its bytes); for a folder `dir-` and a digest of the folder's
 * own state (name, place, description, tag, properties, system flag, modification time), so
 * it changes whenever the folder itself is changed — not when its children change.
 */
export function etagOf(r: Tagged): string {
  if (r.kind === 'file') return r.blob_hash ?? '';
  const state = [r.id, r.parent_id ?? '', r.name, r.description, r.custom_tag, r.properties, Number(r.system), r.modified_at].join('\u0000');
  return `dir-${createHash('sha256').update(state).digest('hex').slice(0, 32)}`;
}

/** The ETag of an item as the faces receive it (the same value as etagOf its row). */
export function itemEtag(i: Item): string {
  return etagOf({
    id: i.id,
    kind: i.kind,
    blob_hash: i.sha256,
    parent_id: i.parentId,
    name: i.name,
    description: i.description,
    custom_tag: i.customTag,
    properties: JSON.stringify(i.properties),
    system: i.system ? 1 : 0,
    modified_at: i.modifiedAt,
  });
}

const MAX_LIST = 100;
const MAX_TAG = 256;

function tagList(v: unknown, field: string): '*' | readonly string[] {
  if (v === '*') return v;
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_LIST || v.some((t) => typeof t !== 'string' || t.length === 0 || t.length > MAX_TAG)) {
    throw badRequest(`${field} must be '*' or 1 to ${MAX_LIST} ETags of 1 to ${MAX_TAG} characters`, { field });
  }
  return v as string[];
}

/** Checks conditions a face passes on (bad_request when malformed); undefined when there are none. */
export function checkConditions(c: Conditions | undefined): Conditions | undefined {
  if (c === undefined || c === null) return undefined;
  if (typeof c !== 'object') throw badRequest('conditions must be an object');
  const out: { -readonly [K in keyof Conditions]: Conditions[K] } = {};
  if (c.ifMatch !== undefined) out.ifMatch = tagList(c.ifMatch, 'ifMatch');
  if (c.ifNoneMatch !== undefined) out.ifNoneMatch = tagList(c.ifNoneMatch, 'ifNoneMatch');
  if (c.version !== undefined) {
    if (!Number.isSafeInteger(c.version) || c.version < 1) throw badRequest('version must be a whole number ≥ 1', { field: 'version' });
    out.version = c.version;
  }
  if (c.lockTokens !== undefined) {
    const t = c.lockTokens;
    if (!Array.isArray(t) || t.length > MAX_LIST || t.some((x) => typeof x !== 'string' || x.length === 0 || x.length > MAX_TAG)) {
      throw badRequest(`lockTokens must be at most ${MAX_LIST} tokens of 1 to ${MAX_TAG} characters`, { field: 'lockTokens' });
    }
    if (t.length > 0) out.lockTokens = t;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Whether the conditions say anything about the item itself (not only held lock tokens). */
export const judgesItem = (c: Conditions | undefined): boolean => c !== undefined && (c.ifMatch !== undefined || c.ifNoneMatch !== undefined || c.version !== undefined);

/**
 * Judges the conditions on the item a write names as it is now (null: the name is free).
 * `precondition_failed` carries the item's current ETag and version, or `exists: false`.
 */
export function judge(subject: ItemRow | null, c: Conditions): void {
  const tag = subject ? etagOf(subject) : null;
  const fail = (why: string) => new KuraError('precondition_failed', why, subject ? { etag: tag, version: Number(subject.version) } : { exists: false });
  if (c.ifMatch !== undefined) {
    if (!subject) throw fail('the item does not exist (If-Match)');
    if (c.ifMatch !== '*' && !c.ifMatch.includes(tag!)) throw fail('the item has changed: its ETag is none of those given (If-Match)');
  }
  if (c.ifNoneMatch !== undefined && subject) {
    if (c.ifNoneMatch === '*') throw fail('the item exists already (If-None-Match: *)');
    if (c.ifNoneMatch.includes(tag!)) throw fail('the item still has one of the ETags given (If-None-Match)');
  }
  if (c.version !== undefined) {
    if (!subject) throw fail('the item does not exist (expected version)');
    if (subject.kind === 'folder') throw badRequest('a folder has no versions: give its ETag instead', { field: 'version' });
    if (Number(subject.version) !== c.version) throw fail(`the file is at version ${subject.version}, not ${c.version}`);
  }
}

/** Conditions as a resumable upload keeps them until it completes. */
export const storedConditions = (c: Conditions | undefined): string | null => (c ? JSON.stringify(c) : null);

/** A resumable upload's stored conditions, with the lock tokens of the request that completes it. */
export function restoredConditions(stored: string | null, now?: Conditions): Conditions | undefined {
  const kept = stored ? (JSON.parse(stored) as Conditions) : undefined;
  const tokens = [...(kept?.lockTokens ?? []), ...(now?.lockTokens ?? [])];
  const merged: Conditions = { ...kept, ...(tokens.length ? { lockTokens: [...new Set(tokens)] } : {}) };
  return Object.keys(merged).length ? merged : undefined;
}
