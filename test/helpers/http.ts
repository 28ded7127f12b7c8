import { createHash } from 'node:crypto';

/** A Blob of bytes for FormData (copies into a plain ArrayBuffer, as the DOM types want). */
export const blobOf = (b: Buffer | string) => new Blob([new Uint8Array(typeof b === 'string' ? Buffer.from(b) : b)]);

export const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

export interface Upload {
  name: string;
  data: Buffer | string;
  type?: string;
}

/** POSTs files as multipart/form-data (field "file") to a folder's children. */
export async function upload(base: string, auth: Record<string, string>, folderId: number, files: Upload[], query = ''): Promise<Response> {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([new Uint8Array(typeof f.data === 'string' ? Buffer.from(f.data) : f.data)], { type: f.type ?? 'application/octet-stream' }), f.name);
  return fetch(`${base}/api/v1/items/${folderId}/children${query}`, { method: 'POST', headers: auth, body: form });
}

export async function json<T = any>(res: Response): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`not JSON (status ${res.status}): ${text.slice(0, 200)}`);
  }
}

/** Uploads one file through the native API; `query` e.g. `?public=true` (readable by id without a token). */
export async function uploadOne(base: string, auth: Record<string, string>, folderId: number, name: string, data: Buffer | string, query = '') {
  const res = await upload(base, auth, folderId, [{ name, data }], query);
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return (await json(res)).items[0] as { id: number; name: string; size: number; sha256: string; mime: string; version: number; parentId: number; spaceId: number; public: boolean };
}

export const body = async (res: Response) => Buffer.from(await res.arrayBuffer());

/**
 * `fetch`, with the whole body read before it resolves: a test that looks only at the status
 * of a large answer must not leave the server writing to a client that never reads (the
 * server's stop then waits for that answer; on Node 24 for half a minute or more).
 */
export async function fetchRead(url: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  const buf = await res.arrayBuffer();
  const empty = res.status === 204 || res.status === 304 || init?.method === 'HEAD';
  return new Response(empty ? null : buf, { status: res.status, statusText: res.statusText, headers: res.headers });
}
