// The drive dialect (/v1/file/…, spec 002) for the bench: calls with the spec's envelope,
// untimed seeding through Kura itself (native multipart uploads, drive folder trees), and
// latency rows against nginx serving the very same response bytes.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { URLSearchParams } from 'node:url';
import { request, requestJson } from './http.mjs';
import { measure, percentiles } from './measure.mjs';
import { BenchError } from './proc.mjs';
import { fmt, infoRow, limitRow } from './table.mjs';

/** A Kura id as the drive's ObjectId (24 hex digits, zero-padded). */
export const oid = (id) => id.toString(16).padStart(24, '0');
/** A drive ObjectId as a Kura (native) id. */
export const fromOid = (o) => parseInt(o, 16);

/** `/v1/file/<endpoint>?UserToken=…&<params>` (GET: the token in the query, as the spec has it). */
export function driveUrl(kura, endpoint, params = {}) {
  const q = new URLSearchParams({ UserToken: kura.token, ...params });
  return `${kura.url}/v1/file/${endpoint}?${q}`;
}

/** The envelope `{IsOk, Code, Message, Data}` of a drive answer; throws unless IsOk and 200. */
export function envelope(what, r) {
  let body;
  try {
    body = JSON.parse(r.body.toString('utf8'));
  } catch {
    throw new BenchError(`${what}: HTTP ${r.status}, not JSON: ${r.body.toString('utf8').slice(0, 300)}`);
  }
  if (r.status !== 200 || body?.IsOk !== true || body.Code !== 200) throw new BenchError(`${what}: HTTP ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/** GET a drive endpoint; resolves Data. */
export async function driveGet(kura, endpoint, params) {
  return envelope(`GET /v1/file/${endpoint}`, await request(driveUrl(kura, endpoint, params))).Data;
}

/** The form body (UserToken and `params`, objects as JSON text) for a drive POST. */
export function driveForm(kura, params = {}) {
  const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ UserToken: kura.token, ...p }).toString(),
  };
}

/** POST a form to a drive endpoint; resolves the whole answer { status, body (Buffer) }. */
export function drivePostRaw(kura, endpoint, params, opts = {}) {
  return request(`${kura.url}/v1/file/${endpoint}`, { ...driveForm(kura, params), timeoutMs: opts.timeoutMs ?? 120000 });
}

/** POST a form to a drive endpoint; resolves Data. */
export async function drivePost(kura, endpoint, params) {
  return envelope(`POST /v1/file/${endpoint}`, await drivePostRaw(kura, endpoint, params)).Data;
}

/** A new folder `name` under `parentId` (Kura id) via drive create_folder; resolves its Kura id. */
export async function createFolder(kura, parentId, name) {
  const data = await drivePost(kura, 'create_folder', { FolderName: name, ParentId: oid(parentId) });
  return fromOid(data._id);
}

/**
 * A folder tree via drive create_folder_tree (all or nothing, at most 1000 folders):
 * `tree` is {Name, Children: [...]}. Resolves the answer, {_id, Name, Children} nested.
 */
export function createFolderTree(kura, parentId, tree) {
  return drivePost(kura, 'create_folder_tree', { Data: { ParentId: oid(parentId), ...tree } });
}

/** Files per multipart request (Kura's multipart limit is 100 file parts). */
const PER_REQUEST = 100;

/** A multipart body of small text files, as curl -F would send them. */
function multipartBody(files, boundary) {
  const parts = files.map(
    ({ name, content }) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/plain\r\n\r\n${content}\r\n`,
  );
  return Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
}

/**
 * Upload `count` small distinct text files into `folderId` through the native API
 * (`POST /api/v1/items/<id>/children`, 100 file parts a request, `parallel` requests at a
 * time). Untimed seeding: it goes through Kura's own upload path (staging, hashing, blob
 * store, one transaction per request), not around it. Resolves the Kura ids, in name order.
 */
export async function seedFiles(kura, folderId, count, { prefix = 'f', parallel = 2 } = {}) {
  const width = String(count).length;
  const batches = [];
  for (let i = 0; i < count; i += PER_REQUEST) {
    batches.push(
      Array.from({ length: Math.min(PER_REQUEST, count - i) }, (_, j) => {
        const n = String(i + j).padStart(width, '0');
        return { name: `${prefix}${n}.txt`, content: `bench ${prefix} file ${n} in folder ${folderId}\n` };
      }),
    );
  }
  const ids = new Array(batches.length);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const b = next++;
      const boundary = `----kura-bench-${process.pid}-${b}`;
      const res = await requestJson(
        `${kura.url}/api/v1/items/${folderId}/children`,
        { method: 'POST', headers: { ...kura.auth, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: multipartBody(batches[b], boundary), timeoutMs: 120000 },
        [201],
      );
      if (res.items?.length !== batches[b].length) throw new BenchError(`seeding ${folderId}: uploaded ${batches[b].length} files, Kura answered ${res.items?.length} items`);
      ids[b] = res.items.map((it) => it.id);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return ids.flat();
}

/**
 * Put `body` in nginx's root as `name`, and check nginx serves exactly those bytes. The read
 * rows' reference: the same response, served statically by nginx.
 */
export async function nginxCopy(ctx, name, body) {
  await writeFile(path.join(path.dirname(ctx.files.small.path), name), body);
  const url = `${ctx.nginx.url}/${name}`;
  const r = await request(url);
  if (r.status !== 200 || !r.body.equals(body)) throw new BenchError(`nginx served ${url} wrong (HTTP ${r.status}, ${r.body.length} bytes, expected ${body.length})`);
  return url;
}

/** The query string of a Kura URL, so the nginx request carries the same request line length. */
const queryOf = (url) => url.slice(url.indexOf('?'));

/**
 * A drive read (GET `url`) against nginx serving the same bytes: Kura's answer is taken once
 * and checked (`check(data)` throws if wrong), copied to nginx's root, and then both are
 * timed `n` times one after the other (each request keeps checking its status and size).
 * Returns [limit row on the p50 with nginx as reference, info row with both p95s].
 */
export async function readRows(ctx, { label, url, n, warmup = 3, max, check, file }) {
  const first = await request(url);
  const data = envelope(label, first).Data;
  check(data);
  const body = first.body;
  ctx.log(`${label}: ${body.length.toLocaleString('en-US')}-byte answer`);
  const refUrl = `${await nginxCopy(ctx, file, body)}${queryOf(url)}`;
  const timed = async (u, who) =>
    measure(
      async () => {
        const r = await request(u);
        return r.status === 200 && r.body.length === body.length;
      },
      { n, warmup, label: `${label} (${who})` },
    );
  const kura = percentiles(await timed(url, 'Kura'), [50, 95]);
  const ref = percentiles(await timed(refUrl, 'nginx'), [50, 95]);
  ctx.log(`${label}: Kura p50 ${fmt.ms(kura.p50)} p95 ${fmt.ms(kura.p95)}; nginx p50 ${fmt.ms(ref.p50)} p95 ${fmt.ms(ref.p95)}`);
  const size = body.length >= 1e6 ? fmt.mb(body.length) : `${Math.round(body.length / 1e3)} kB`;
  return [
    limitRow(`${label}, p50 of ${n}`, { kura: kura.p50, max, format: fmt.ms, ref: ref.p50, refLabel: `nginx, same ${size}` }),
    infoRow(`${label}, p95 (same run)`, { kura: fmt.ms(kura.p95), reference: `${fmt.ms(ref.p95)} (nginx)` }),
  ];
}

/**
 * The write rows' reference: the round-trip floor, i.e. nginx serving a static file holding
 * Kura's own answer to that write, timed `n` times (p50, ms). Kura cannot answer faster than
 * this plus its work; a write has no better honest counterpart (nginx does not write).
 */
export async function roundTripFloor(ctx, file, body, n) {
  const url = await nginxCopy(ctx, file, body);
  const samples = await measure(async () => (await request(url)).status === 200, { n, warmup: 3, label: `nginx ${file}` });
  return percentiles(samples, [50, 95]);
}

/** Files in the flat folder of `file/children` and `file/info`. */
export const FLAT_FILES = 10_000;

/**
 * The folder holding FLAT_FILES small files (shared by the children and info scenarios),
 * seeded once per run, untimed. Resolves { folderId, fileIds }.
 */
export async function ensureFlatFolder(ctx) {
  ctx.drive ??= {};
  if (!ctx.drive.flat) {
    const t0 = Date.now();
    const folderId = await createFolder(ctx.kura, ctx.kura.rootId, 'flat-10k');
    ctx.log(`seeding ${FLAT_FILES.toLocaleString('en-US')} files into one folder (native multipart, 100 a request; untimed)`);
    const fileIds = await seedFiles(ctx.kura, folderId, FLAT_FILES);
    ctx.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ctx.drive.flat = { folderId, fileIds };
  }
  return ctx.drive.flat;
}
