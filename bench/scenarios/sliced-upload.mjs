// drive `upload_large_file`: the 1 GiB file in 8 MiB slices, one request after the other
// (spec 002: fields UserToken, FileName, ParentId, FileTempId, SliceOffset, FileLength, then
// the SliceData file part), vs the disk's own write speed (dd conv=fdatasync, as `upload`).
import { randomUUID } from 'node:crypto';
import { open, statfs } from 'node:fs/promises';
import path from 'node:path';
import { ddWrite, sync } from '../lib/disk.mjs';
import { drivePostRaw, fromOid, oid } from '../lib/drive.mjs';
import { curlSha256, request } from '../lib/http.mjs';
import { contentUrl } from '../lib/kura.mjs';
import { percentiles } from '../lib/measure.mjs';
import { BenchError } from '../lib/proc.mjs';
import { fmt, infoRow, ratioRow } from '../lib/table.mjs';

const SLICE = 8 * 2 ** 20;
const ENDPOINT = 'upload_large_file';

/** Multipart head (the fields, then the file part's header) and tail around one slice. */
function sliceEnvelope(fields, boundary) {
  const head = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  head.push(`--${boundary}\r\nContent-Disposition: form-data; name="SliceData"; filename="${fields.FileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  return { head: Buffer.from(head.join('')), tail: Buffer.from(`\r\n--${boundary}--\r\n`) };
}

/** Fails clearly when this build has no sliced uploads (the route answers 404 "no route"). */
async function probe(ctx) {
  const r = await drivePostRaw(ctx.kura, ENDPOINT, {});
  if (r.status !== 404) return;
  let message = '';
  try {
    message = JSON.parse(r.body.toString('utf8')).Message ?? '';
  } catch {
    /* not the drive envelope: still a 404 */
  }
  throw new BenchError(`POST /v1/file/${ENDPOINT} answered 404${message ? ` (${message})` : ''}: this build has no sliced uploads yet; the row runs once the endpoint is merged`);
}

export default {
  id: 'sliced-upload',
  title: '1 GiB sliced upload (drive upload_large_file, 8 MiB slices) vs dd',
  async run(ctx) {
    const big = ctx.files.big;
    await probe(ctx);
    // dd's file (removed before the upload), then Kura's slices and the stored file: not
    // counted in run.mjs's disk check, which covers the other scenarios.
    const { bavail, bsize } = await statfs(ctx.work);
    if (bavail * bsize < 2.5 * 2 ** 30) throw new BenchError(`sliced-upload needs 2.5 GiB free in ${ctx.work} (dd's file, Kura's slices and stored copy), ${fmt.mb(bavail * bsize)} free`);
    ctx.log(`dd: writing ${big.size / 2 ** 20} MiB with conv=fdatasync`);
    const dd = await ddWrite(big.path, path.join(ctx.work, 'dd-sliced.out'), big.size / 2 ** 20);
    const ddRate = dd.bytes / dd.seconds;

    const url = `${ctx.kura.url}/v1/file/${ENDPOINT}`;
    const tempId = randomUUID();
    const slices = Math.ceil(big.size / SLICE);
    const fh = await open(big.path, 'r');
    // Two buffers: the next slice is read from the page cache while the current one is sent.
    const bufs = [Buffer.alloc(SLICE), Buffer.alloc(SLICE)];
    const readSlice = async (i) => {
      const len = Math.min(SLICE, big.size - i * SLICE);
      const { bytesRead } = await fh.read(bufs[i % 2], 0, len, i * SLICE);
      if (bytesRead !== len) throw new BenchError(`short read of ${big.name} at ${i * SLICE}`);
      return bufs[i % 2].subarray(0, len);
    };
    const perSlice = [];
    let last;
    ctx.log(`sliced upload: ${slices} slices of ${SLICE / 2 ** 20} MiB, FileTempId ${tempId}`);
    await sync();
    const t0 = process.hrtime.bigint();
    try {
      let next = readSlice(0);
      for (let i = 0; i < slices; i++) {
        const data = await next;
        if (i + 1 < slices) next = readSlice(i + 1);
        const boundary = `----kura-bench-slice-${i}`;
        const { head, tail } = sliceEnvelope(
          { UserToken: ctx.kura.token, FileName: 'sliced.bin', ParentId: oid(ctx.kura.rootId), FileTempId: tempId, SliceOffset: i * SLICE, FileLength: big.size },
          boundary,
        );
        const s0 = process.hrtime.bigint();
        const r = await request(url, {
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + data.length + tail.length },
          body: [head, data, tail],
          timeoutMs: 120000,
        });
        perSlice.push(Number(process.hrtime.bigint() - s0) / 1e6);
        const text = r.body.toString('utf8');
        let body;
        try {
          body = JSON.parse(text);
        } catch {
          /* reported below */
        }
        if (r.status !== 200 || body?.IsOk !== true) throw new BenchError(`slice ${i + 1}/${slices} (offset ${i * SLICE}): HTTP ${r.status} ${text.slice(0, 300)}`);
        last = body;
      }
    } finally {
      await fh.close();
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const item = last?.Data;
    if (!item?._id || item.FileSize !== big.size) throw new BenchError(`last slice: expected the file's details with FileSize ${big.size}, got ${JSON.stringify(item).slice(0, 300)}`);
    // The stored bytes, outside the timing.
    const got = await curlSha256(contentUrl(ctx.kura, fromOid(item._id)), ctx.kura.auth);
    if (got.bytes !== big.size || got.sha256 !== big.sha256) throw new BenchError(`sliced upload stored ${got.bytes} bytes with SHA-256 ${got.sha256}, expected ${big.size} bytes ${big.sha256}`);
    const rate = big.size / seconds;
    // The last slice completes the file (whatever assembly the server does happens there).
    const lastMs = perSlice.at(-1);
    const p = percentiles(perSlice.slice(0, -1), [50, 95]);
    ctx.log(`sliced upload: ${fmt.rate(rate)} (dd ${fmt.rate(ddRate)}) in ${seconds.toFixed(1)} s; slice p50 ${fmt.ms(p.p50)} p95 ${fmt.ms(p.p95)}, last ${fmt.ms(lastMs)}`);
    return [
      ratioRow(`sliced upload 1 GiB, drive, ${slices} × ${SLICE / 2 ** 20} MiB`, { kura: rate, ref: ddRate, refLabel: 'dd fdatasync', min: 0.6, format: fmt.rate }),
      infoRow(`sliced upload, ${SLICE / 2 ** 20} MiB slice p50 / p95; last slice`, { kura: `${fmt.ms(p.p50)} / ${fmt.ms(p.p95)}; ${fmt.ms(lastMs)}` }),
    ];
  },
};
