// One tus client for both servers of the `tus-upload` row: POST (creation), then PATCHes of
// `chunk` bytes one after the other, the next chunk read from the page cache while the
// current one is sent. Every answer is checked (201 with a Location; 204 with the new
// Upload-Offset).
import { open } from 'node:fs/promises';
import { request } from './http.mjs';
import { BenchError } from './proc.mjs';

export async function tusUpload({ endpoint, file, size, chunk, headers = {}, metadata = {} }) {
  const meta = Object.entries(metadata)
    .map(([k, v]) => `${k} ${Buffer.from(String(v)).toString('base64')}`)
    .join(',');
  const base = { 'tus-resumable': '1.0.0', ...headers };
  const t0 = process.hrtime.bigint();
  const created = await request(endpoint, { method: 'POST', headers: { ...base, 'upload-length': String(size), ...(meta ? { 'upload-metadata': meta } : {}) }, discard: true });
  if (created.status !== 201 || !created.headers.location) throw new BenchError(`tus POST ${endpoint}: HTTP ${created.status}, Location ${created.headers.location}`);
  const url = new URL(created.headers.location, endpoint).href;
  const fh = await open(file, 'r');
  const bufs = [Buffer.alloc(chunk), Buffer.alloc(chunk)];
  const readChunk = async (i) => {
    const len = Math.min(chunk, size - i * chunk);
    const { bytesRead } = await fh.read(bufs[i % 2], 0, len, i * chunk);
    if (bytesRead !== len) throw new BenchError(`short read of ${file} at ${i * chunk}`);
    return bufs[i % 2].subarray(0, len);
  };
  const n = Math.ceil(size / chunk);
  const perChunk = [];
  let last;
  try {
    let next = readChunk(0);
    for (let i = 0; i < n; i++) {
      const data = await next;
      if (i + 1 < n) next = readChunk(i + 1);
      const s0 = process.hrtime.bigint();
      const r = await request(url, {
        method: 'PATCH',
        headers: { ...base, 'upload-offset': String(i * chunk), 'content-type': 'application/offset+octet-stream', 'content-length': data.length },
        body: data,
        timeoutMs: 120000,
        discard: true,
      });
      perChunk.push(Number(process.hrtime.bigint() - s0) / 1e6);
      const offset = Number(r.headers['upload-offset']);
      if (r.status !== 204 || offset !== i * chunk + data.length) throw new BenchError(`tus PATCH ${i + 1}/${n} to ${url}: HTTP ${r.status}, Upload-Offset ${r.headers['upload-offset']} (expected ${i * chunk + data.length})`);
      last = r;
    }
  } finally {
    await fh.close();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { url, seconds, perChunk, last };
}
