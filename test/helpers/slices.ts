import { blobOf } from './http.js';

export interface SliceForm {
  token?: string;
  fileName?: string;
  parentId?: string;
  id?: string;
  tempId: string;
  offset: number;
  length: number;
  data: Buffer;
}

/** POSTs one slice the way the spec lists the fields: token and fields first, SliceData last. */
export async function sendSlice(url: string, f: SliceForm, path = f.id ? 'update_large_file' : 'upload_large_file'): Promise<Response> {
  const form = new FormData();
  if (f.token) form.append('UserToken', f.token);
  if (f.fileName !== undefined) form.append('FileName', f.fileName);
  if (f.parentId !== undefined) form.append('ParentId', f.parentId);
  if (f.id !== undefined) form.append('Id', f.id);
  form.append('FileTempId', f.tempId);
  form.append('SliceOffset', String(f.offset));
  form.append('FileLength', String(f.length));
  form.append('SliceData', blobOf(f.data), 'blob');
  return fetch(`${url}/v1/file/${path}`, { method: 'POST', body: form });
}

/** [offset, length] cuts of `size` bytes in varying sizes. */
export function cuts(size: number, sizes: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0, i = 0; at < size; i++) {
    const n = Math.min(sizes[i % sizes.length], size - at);
    out.push([at, n]);
    at += n;
  }
  return out;
}
