// A bounded mixed load on Kura's native API (/api/v1) and the drive's sliced uploads,
// shared by the scale-out test (test/scale/) and the scale-mixed bench scenario: plain and
// resumable uploads (native /api/v1/uploads, drive upload_large_file slices), whole and
// ranged downloads, listings, renames, moves, deletes, restores, purges and shares.
//
// Each worker owns two folders and the files it made, so it knows exactly what the server
// must answer (every listing is compared with the worker's model, every download with the
// bytes it sent): any unexpected status is a failure. Content is a keystream of (seed,
// size), so bytes are made again instead of kept. A request cut by the proxy (its node was
// killed: status 502 with `x-proxy-error`) is "interrupted": what it changed is uncertain,
// and the worker stops assuming anything about that file; a resumable upload asks the
// session's state and sends what is missing, on another node.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

/** `size` bytes made from `seed` (AES-128-CTR keystream): the same on every call. */
export function content(seed, size) {
  const key = createHash('sha256').update(`kura-load-${seed}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

export const sha256 = (b) => createHash('sha256').update(b).digest('hex');

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** One request; resolves { status, headers, body, ms }. Never rejects on HTTP status. */
export function call(base, method, path, { headers = {}, body, timeoutMs = 60_000 } = {}) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(body.length) } : {}) }, agent }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const json = (r) => JSON.parse(r.body.toString('utf8'));
const pick = (arr) => arr[Math.floor(Math.random() * arr.length)];
const between = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1));

/** A multipart body: `fields` first, then the file part `field` named `name`. */
function multipart(name, bytes, fields = {}, field = 'file') {
  const boundary = `----kura${randomBytes(8).toString('hex')}`;
  const head = Object.entries(fields).map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  head.push(`--${boundary}\r\ncontent-disposition: form-data; name="${field}"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`);
  return { body: Buffer.concat([Buffer.from(head.join('')), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

/** The kinds of request, in report order, with their weights in the mix. */
export const KINDS = {
  upload: 14,
  resumable: 5,
  driveSlices: 3,
  download: 16,
  range: 16,
  list: 12,
  rename: 7,
  move: 7,
  delete: 6,
  restore: 3,
  purge: 3,
  share: 4,
};
const SLICE_KIND = 'slice';

class Stats {
  constructor() {
    this.byKind = {};
    this.failures = [];
    this.interrupted = 0;
    this.served = {};
  }
  record(kind, r) {
    const k = (this.byKind[kind] ??= { count: 0, ms: [] });
    k.count++;
    k.ms.push(r.ms);
    const node = r.headers['x-served-by'];
    if (node !== undefined) this.served[node] = (this.served[node] ?? 0) + 1;
  }
}

/** p-quantile of numbers (0 when none). */
export function quantile(values, p) {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
}

/**
 * Runs `workers` workers against `base` (a proxy or one node) for `seconds`.
 * opts: { base, token, rootId, spaceId, seconds, workers, maxSize (bytes, default 256 KiB),
 *   tag (names folders; default random), strict (throw on the first failure; default false) }
 * Resolves { stats: { byKind, failures, interrupted, served }, files, folders, uncertain,
 *   resumables: [{ nodes: Set, resumed }], seconds (how long the workers ran) }.
 */
export async function mixedLoad(opts) {
  const { base, token, rootId, seconds, workers = 8, maxSize = 256 * 1024 } = opts;
  const tag = opts.tag ?? randomBytes(3).toString('hex');
  const auth = { authorization: `Bearer ${token}` };
  const stats = new Stats();
  /** id → { seed, size, name, folder, state: live|trashed|purged|uncertain, worker } */
  const files = new Map();
  /** names of files whose creation was interrupted → { seed, size } */
  const uncertain = new Map();
  const resumables = [];
  const folders = [];
  const deadline = Date.now() + seconds * 1000;

  const fail = (kind, what, r) => {
    const f = { kind, what, status: r?.status, body: r?.body?.toString('utf8').slice(0, 300) };
    stats.failures.push(f);
    if (opts.strict) throw new Error(`${kind}: ${what} (${f.status} ${f.body})`);
  };
  const isInterrupted = (r) => r.status === 502 && r.headers['x-proxy-error'] !== undefined;

  /** A request that counts for `kind`; interrupted ones resolve undefined. */
  const send = async (kind, method, path, o = {}) => {
    const r = await call(base, method, path, { ...o, headers: { ...(o.auth === false ? {} : auth), ...o.headers } });
    if (isInterrupted(r)) {
      stats.interrupted++;
      return undefined;
    }
    stats.record(kind, r);
    if (r.status >= 500) fail(kind, `${method} ${path}: server error`, r);
    return r;
  };

  for (let w = 0; w < workers; w++) {
    const pair = [];
    for (const side of ['a', 'b']) {
      const r = await call(base, 'POST', `/api/v1/items/${rootId}/children`, { headers: { ...auth, 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ name: `load-${tag}-w${w}${side}`, kind: 'folder' })) });
      if (r.status !== 201) throw new Error(`cannot make a worker folder: ${r.status} ${r.body}`);
      pair.push(json(r).items[0].id);
    }
    folders.push(pair);
  }

  const worker = async (w) => {
    const [fa, fb] = folders[w];
    let n = 0;
    const mine = (state) => [...files.entries()].filter(([, f]) => f.worker === w && f.state === state);
    const expectStatus = (kind, what, r, ...ok) => {
      if (r && !ok.includes(r.status)) fail(kind, what, r);
      return r && ok.includes(r.status);
    };

    const ops = {
      upload: async () => {
        const seed = `${tag}-${w}-${++n}`;
        const size = between(1, maxSize);
        const name = `f-${seed}.bin`;
        const folder = pick([fa, fb]);
        const m = multipart(name, content(seed, size));
        const r = await send('upload', 'POST', `/api/v1/items/${folder}/children`, { headers: { 'content-type': m.type }, body: m.body });
        if (!r) return uncertain.set(name, { seed, size });
        if (!expectStatus('upload', 'upload', r, 201)) return;
        const item = json(r).items[0];
        if (item.size !== size) fail('upload', `stored ${item.size} bytes of ${size}`, r);
        files.set(item.id, { seed, size, name, folder, state: 'live', worker: w });
      },

      resumable: async () => {
        const seed = `${tag}-${w}-${++n}`;
        const size = between(1, maxSize * 2);
        const name = `r-${seed}.bin`;
        const folder = pick([fa, fb]);
        const key = `k${randomBytes(12).toString('hex')}`;
        const bytes = content(seed, size);
        // Opening again with the same key and file resumes the same session: an interrupted open is sent again.
        let open;
        for (let i = 0; !open && i < 5; i++) open = await send(SLICE_KIND, 'POST', '/api/v1/uploads', { headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ key, folderId: folder, name, length: size })) });
        if (!open) return fail('resumable', `cannot open ${key}`);
        if (!expectStatus('resumable', 'open', open, 201, 200)) return;
        const sliceSize = Math.max(1, Math.ceil(size / between(2, 5)));
        const offsets = [];
        for (let o = 0; o < size; o += sliceSize) offsets.push(o);
        offsets.sort(() => Math.random() - 0.5);
        const record = { nodes: new Set(), resumed: false };
        resumables.push(record);
        const started = performance.now();
        let item;
        const sendSlice = async (o) => {
          const r = await send(SLICE_KIND, 'PUT', `/api/v1/uploads/${key}?offset=${o}`, { headers: { 'content-type': 'application/octet-stream' }, body: bytes.subarray(o, Math.min(size, o + sliceSize)) });
          if (!r) return false;
          if (r.headers['x-served-by'] !== undefined) record.nodes.add(r.headers['x-served-by']);
          if (r.status === 201) item = json(r).item;
          else expectStatus('resumable', `slice at ${o}`, r, 200);
          return true;
        };
        let lost = false;
        for (const o of offsets) if (!(await sendSlice(o))) lost = true;
        if (!item && !lost) return fail('resumable', `no slice completed ${key}`);
        // Interrupted (its node died): ask the session what arrived and send the rest, on
        // another node. Everything may have arrived with the assembling node dead: a slice
        // sent again once the assembler's lease ran out (30 s) takes the assembly over; a
        // slice sent again after completion answers with the file.
        for (let attempt = 0; !item && attempt < 90; attempt++) {
          record.resumed = true;
          const s = await send(SLICE_KIND, 'GET', `/api/v1/uploads/${key}`);
          if (s && expectStatus('resumable', 'state', s, 200)) {
            const st = json(s);
            const missing = offsets.filter((o) => !st.ranges.some(([a, b]) => a <= o && b >= Math.min(size, o + sliceSize) - 1));
            for (const o of missing.length > 0 ? missing : [offsets[0]]) await sendSlice(o);
          }
          if (!item) await new Promise((res) => setTimeout(res, 1000));
        }
        if (!item) return fail('resumable', `upload ${key} never completed`);
        if (item.size !== size) fail('resumable', `stored ${item.size} bytes of ${size}`);
        stats.record('resumable', { ms: performance.now() - started, headers: {} });
        files.set(item.id, { seed, size, name: item.name, folder, state: 'live', worker: w });
      },

      // The drive dialect's sliced upload (spec 002 upload_large_file): the same sessions,
      // another protocol. Re-sending a slice is harmless, so an interrupted upload sends them all again.
      driveSlices: async () => {
        const seed = `${tag}-${w}-${++n}`;
        const size = between(1, maxSize * 2);
        const name = `d-${seed}.bin`;
        const folder = pick([fa, fb]);
        const tempId = randomBytes(16).toString('hex');
        const bytes = content(seed, size);
        const sliceSize = Math.max(1, Math.ceil(size / between(2, 4)));
        const offsets = [];
        for (let o = 0; o < size; o += sliceSize) offsets.push(o);
        offsets.sort(() => Math.random() - 0.5);
        const record = { nodes: new Set(), resumed: false };
        resumables.push(record);
        const started = performance.now();
        let id;
        const sendSlice = async (o) => {
          const fields = { UserToken: token, FileName: name, ParentId: folder.toString(16).padStart(24, '0'), FileTempId: tempId, SliceOffset: o, FileLength: size };
          const m = multipart(name, bytes.subarray(o, Math.min(size, o + sliceSize)), fields, 'SliceData');
          const r = await send(SLICE_KIND, 'POST', '/v1/file/upload_large_file', { auth: false, headers: { 'content-type': m.type }, body: m.body });
          if (!r) return false;
          if (r.headers['x-served-by'] !== undefined) record.nodes.add(r.headers['x-served-by']);
          if (!expectStatus('driveSlices', `drive slice at ${o}`, r, 200)) return true;
          const d = json(r).Data;
          if (d?._id) id = parseInt(d._id, 16);
          return true;
        };
        let lost = false;
        for (const o of offsets) if (!(await sendSlice(o))) lost = true;
        if (id === undefined && !lost) return fail('driveSlices', `no slice completed ${tempId}`);
        for (let attempt = 0; id === undefined && attempt < 90; attempt++) {
          record.resumed = true;
          for (const o of offsets) if (id === undefined) await sendSlice(o);
          if (id === undefined) await new Promise((res) => setTimeout(res, 1000));
        }
        if (id === undefined) return fail('driveSlices', `upload ${tempId} never completed`);
        stats.record('driveSlices', { ms: performance.now() - started, headers: {} });
        files.set(id, { seed, size, name, folder, state: 'live', worker: w });
      },

      download: async () => {
        const [id, f] = pick(mine('live')) ?? [];
        if (!f) return ops.upload();
        const r = await send('download', 'GET', `/api/v1/items/${id}/content`);
        if (!r || !expectStatus('download', 'download', r, 200)) return;
        if (sha256(r.body) !== sha256(content(f.seed, f.size))) fail('download', `bytes of ${id} differ`, r);
      },

      range: async () => {
        const [id, f] = pick(mine('live')) ?? [];
        if (!f) return ops.upload();
        const a = between(0, f.size - 1);
        const b = between(a, f.size - 1);
        const r = await send('range', 'GET', `/api/v1/items/${id}/content`, { headers: { range: `bytes=${a}-${b}` } });
        if (!r || !expectStatus('range', 'range', r, 206)) return;
        if (!r.body.equals(content(f.seed, f.size).subarray(a, b + 1))) fail('range', `bytes ${a}-${b} of ${id} differ`, r);
      },

      list: async () => {
        const folder = pick([fa, fb]);
        const r = await send('list', 'GET', `/api/v1/items/${folder}/children?limit=1000`);
        if (!r || !expectStatus('list', 'list', r, 200)) return;
        const seen = new Map(json(r).items.map((i) => [i.id, i.name]));
        for (const [id, f] of files) {
          if (f.worker !== w || f.state === 'uncertain') continue;
          const here = f.state === 'live' && f.folder === folder;
          if (here !== seen.has(id) || (here && seen.get(id) !== f.name)) fail('list', `file ${id} (${f.name}, ${f.state}) ${here ? 'missing from' : 'listed in'} folder ${folder} as ${seen.get(id)}`, r);
        }
      },

      rename: async () => {
        const [id, f] = pick(mine('live')) ?? [];
        if (!f) return ops.upload();
        const name = `m-${tag}-${w}-${++n}.bin`;
        const r = await send('rename', 'PATCH', `/api/v1/items/${id}`, { headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ name })) });
        if (!r) return void (f.state = 'uncertain');
        if (expectStatus('rename', 'rename', r, 200)) f.name = name;
      },

      move: async () => {
        const [id, f] = pick(mine('live')) ?? [];
        if (!f) return ops.upload();
        const to = f.folder === fa ? fb : fa;
        const r = await send('move', 'POST', `/api/v1/items/${id}/move`, { headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ parentId: to })) });
        if (!r) return void (f.state = 'uncertain');
        if (expectStatus('move', 'move', r, 200)) f.folder = to;
      },

      delete: async () => {
        const [id, f] = pick(mine('live')) ?? [];
        if (!f) return ops.upload();
        const r = await send('delete', 'DELETE', `/api/v1/items/${id}`);
        if (!r) return void (f.state = 'uncertain');
        if (expectStatus('delete', 'delete', r, 204)) f.state = 'trashed';
      },

      restore: async () => {
        const [id, f] = pick(mine('trashed')) ?? [];
        if (!f) return ops.delete();
        const r = await send('restore', 'POST', `/api/v1/items/${id}/restore`);
        if (!r) return void (f.state = 'uncertain');
        if (!expectStatus('restore', 'restore', r, 200)) return;
        const item = json(r);
        Object.assign(f, { state: 'live', name: item.name, folder: item.parentId });
        if (item.parentId !== fa && item.parentId !== fb) fail('restore', `restored ${id} into ${item.parentId}, not its folder`, r);
      },

      purge: async () => {
        const [id, f] = pick(mine('trashed')) ?? [];
        if (!f) return ops.delete();
        const r = await send('purge', 'DELETE', `/api/v1/spaces/${opts.spaceId}/trash/${id}`);
        if (!r) return void (f.state = 'uncertain');
        if (expectStatus('purge', 'purge', r, 204)) f.state = 'purged';
      },

      share: async () => {
        const [id, f] = pick(mine('live')) ?? [];
        if (!f) return ops.upload();
        const r = await send('share', 'POST', '/api/v1/shares', { headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ itemIds: [id], type: 'public' })) });
        if (!r || !expectStatus('share', 'create share', r, 201)) return;
        const d = await send('share', 'GET', `/api/v1/shares/${json(r).shares[0].token}/content`, { auth: false });
        if (!d || !expectStatus('share', 'share download', d, 200)) return;
        if (sha256(d.body) !== sha256(content(f.seed, f.size))) fail('share', `shared bytes of ${id} differ`, d);
      },
    };

    const weighted = Object.entries(KINDS).flatMap(([k, wgt]) => Array(wgt).fill(k));
    // Every kind once first (however slow the machine), then the weighted mix until the deadline.
    const first = ['upload', 'upload', 'resumable', 'driveSlices', 'download', 'range', 'list', 'rename', 'move', 'delete', 'restore', 'delete', 'purge', 'share'];
    while (first.length > 0 || Date.now() < deadline) {
      const kind = first.shift() ?? pick(weighted);
      try {
        await ops[kind]();
      } catch (e) {
        if (opts.strict) throw e;
        stats.failures.push({ kind, what: String(e?.message ?? e) });
      }
    }
  };

  const began = performance.now();
  await Promise.all(folders.map((_, w) => worker(w)));
  return { stats, files, uncertain, folders, resumables, tag, seconds: (performance.now() - began) / 1000 };
}
