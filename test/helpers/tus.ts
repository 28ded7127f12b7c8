import * as tus from 'tus-js-client';

/** Upload-Metadata from plain values. */
export const metadata = (m: Record<string, string | number>): string =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${Buffer.from(String(v)).toString('base64')}`)
    .join(',');

/** A raw tus request (fetch), Tus-Resumable and the caller's credential included. */
export function tusFetch(url: string, auth: Record<string, string>, method: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Response> {
  return fetch(url, { method, headers: { 'tus-resumable': '1.0.0', ...auth, ...headers }, body: body === undefined ? undefined : typeof body === 'string' ? body : new Uint8Array(body) });
}

/** Creates an upload; resolves its URL (from Location) and the answer. */
export async function create(base: string, auth: Record<string, string>, headers: Record<string, string>, body?: Buffer | string): Promise<{ url: string; res: Response }> {
  const res = await tusFetch(`${base}/api/v1/tus/`, auth, 'POST', body === undefined ? headers : { 'content-type': 'application/offset+octet-stream', ...headers }, body);
  return { url: res.headers.get('location') ?? '', res };
}

export const patch = (url: string, auth: Record<string, string>, offset: number, data: Buffer | string, headers: Record<string, string> = {}) =>
  tusFetch(url, auth, 'PATCH', { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', ...headers }, data);

export interface ClientResult {
  url: string;
  /** Headers of the last answer the client got (the item's id and URL when the upload completed it). */
  itemId: number;
}

/**
 * Runs the real tus-js-client (Node build) to completion. `options` go to tus.Upload;
 * resolves the upload URL and the new item's id from Kura-Item-Id.
 */
export function clientUpload(endpoint: string, token: string, data: Buffer | NodeJS.ReadableStream, options: Partial<tus.UploadOptions> = {}): Promise<ClientResult & { upload: tus.Upload }> {
  return new Promise((resolve, reject) => {
    let itemId = 0;
    const upload: tus.Upload = new tus.Upload(data as Buffer, {
      endpoint,
      headers: { authorization: `Bearer ${token}` },
      retryDelays: [0, 200, 500, 1000, 1000, 2000, 2000, 3000, 3000, 5000],
      ...options,
      onAfterResponse(req, res) {
        const id = res.getHeader('Kura-Item-Id');
        if (id) itemId = Number(id);
        return options.onAfterResponse?.(req, res);
      },
      onError: (e) => reject(e),
      onSuccess: () => resolve({ url: upload.url ?? '', itemId, upload }),
    });
    upload.start();
  });
}
