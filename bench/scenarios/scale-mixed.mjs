// Three Kura nodes on one PostgreSQL database and one S3 store (s3rver) behind nginx
// (round robin) under the mixed load of lib/mixed-load.mjs, against one node alone on the
// same kind of database and store, in the same run: requests per second and p99 by kind,
// as info rows (the nodes share the server core, so this shows what spreading costs or
// gains on one machine, not a cluster's capacity).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, request, waitReady } from '../lib/http.mjs';
import { startKura } from '../lib/kura.mjs';
import { KINDS, mixedLoad, quantile } from '../lib/mixed-load.mjs';
import { BenchError, SERVER_CORE, startDaemon } from '../lib/proc.mjs';
import { fmt, infoRow } from '../lib/table.mjs';

const SECONDS = Number(process.env.KURA_BENCH_SCALE_SECONDS ?? 20);
const WORKERS = 8;
const ADMIN_URL = process.env.KURA_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(fn) {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
  } catch (e) {
    throw new BenchError(`scale-mixed needs PostgreSQL (KURA_BENCH_DATABASE_URL, default ${ADMIN_URL}): ${e.message}`);
  }
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function freshDatabase(dbs) {
  const name = `kura_bench_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`create database "${name}"`));
  dbs.push(name);
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function startS3(work) {
  const dir = path.join(work, 's3rver');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const daemon = startDaemon('s3rver', process.execPath, [path.join(import.meta.dirname, '..', 'lib', 's3rver.mjs'), dir, String(port)], { core: SERVER_CORE });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await request(`${endpoint}/`, { timeoutMs: 1000, discard: true });
      break;
    } catch (e) {
      if (!daemon.running() || i > 100) throw new BenchError(`s3rver did not start: ${e.message}\n${daemon.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { daemon, endpoint };
}

const storeEnv = (databaseUrl, s3, bucket) => ({
  DATABASE_URL: databaseUrl,
  BLOB_STORE: 's3',
  S3_ENDPOINT: s3.endpoint,
  S3_BUCKET: bucket,
  S3_ACCESS_KEY_ID: 'S3RVER',
  S3_SECRET_ACCESS_KEY: 'S3RVER',
  S3_FORCE_PATH_STYLE: 'true',
});

/** nginx as the load balancer: round robin over `urls`, keep-alive upstream, bodies passed through. */
async function startBalancer(work, urls) {
  const prefix = path.join(work, 'nginx-lb');
  mkdirSync(path.join(prefix, 'tmp'), { recursive: true });
  const port = await freePort();
  const conf = `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
daemon off;
pid ${path.join(prefix, 'nginx.pid')};
error_log ${path.join(prefix, 'error.log')} warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${path.join(prefix, 'tmp', 'body')};
    proxy_temp_path ${path.join(prefix, 'tmp', 'proxy')};
    fastcgi_temp_path ${path.join(prefix, 'tmp', 'fastcgi')};
    uwsgi_temp_path ${path.join(prefix, 'tmp', 'uwsgi')};
    scgi_temp_path ${path.join(prefix, 'tmp', 'scgi')};
    upstream kura { ${urls.map((u) => `server ${new URL(u).host};`).join(' ')} keepalive 64; }
    server {
        listen 127.0.0.1:${port};
        client_max_body_size 0;
        location / {
            proxy_pass http://kura;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_request_buffering off;
            proxy_buffering off;
            add_header x-served-by $upstream_addr always;
        }
    }
}
`;
  const file = path.join(prefix, 'nginx.conf');
  writeFileSync(file, conf);
  const daemon = startDaemon('nginx (balancer)', 'nginx', ['-p', prefix, '-c', file, '-e', path.join(prefix, 'error.log')], { core: SERVER_CORE });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/healthz`, daemon);
  return { daemon, url };
}

function check(result, label) {
  const f = result.stats.failures;
  if (f.length > 0) throw new BenchError(`${label}: ${f.length} failed requests, first: ${JSON.stringify(f[0])}`);
}

export default {
  id: 'scale-mixed',
  title: 'mixed load: three nodes (PostgreSQL + S3, nginx round robin) vs one node',
  async run(ctx) {
    const dbs = [];
    const daemons = [];
    try {
      const s3 = await startS3(ctx.work);
      daemons.push(s3.daemon);

      ctx.log(`one node on PostgreSQL + S3: mixed load, ${WORKERS} workers, ${SECONDS} s`);
      const single = await startKura({ repo: ctx.repo, dataDir: path.join(ctx.work, 'scale-single'), env: storeEnv(await freshDatabase(dbs), s3, 'bench-single') });
      daemons.push(single.daemon);
      const one = await mixedLoad({ base: single.url, token: single.token, rootId: single.rootId, spaceId: single.spaceId, seconds: SECONDS, workers: WORKERS });
      await single.daemon.stop();
      check(one, 'one node');

      ctx.log(`three nodes on one PostgreSQL + S3 behind nginx: the same load`);
      const env = storeEnv(await freshDatabase(dbs), s3, 'bench-three');
      const first = await startKura({ repo: ctx.repo, dataDir: path.join(ctx.work, 'scale-n0'), env });
      daemons.push(first.daemon);
      const others = [];
      for (const i of [1, 2]) {
        const port = await freePort();
        const d = startDaemon(`Kura node ${i}`, process.execPath, [path.join(ctx.repo, 'bin', 'kura.js'), 'serve'], { core: SERVER_CORE, cwd: ctx.repo, env: { ...first.env, PORT: String(port), DATA_DIR: path.join(ctx.work, `scale-n${i}`) } });
        daemons.push(d);
        const url = `http://127.0.0.1:${port}`;
        try {
          await waitReady(`${url}/healthz`, d, 90_000);
        } catch (e) {
          throw new BenchError(`${e.message}\n${d.output()}`);
        }
        others.push(url);
      }
      const lb = await startBalancer(ctx.work, [first.url, ...others]);
      daemons.push(lb.daemon);
      const three = await mixedLoad({ base: lb.url, token: first.token, rootId: first.rootId, spaceId: first.spaceId, seconds: SECONDS, workers: WORKERS });
      check(three, 'three nodes');
      if (Object.keys(three.stats.served).length !== 3) ctx.note(`scale-mixed: nginx spread the load over ${Object.keys(three.stats.served).length} node(s) only`);

      const rows = [];
      const rate = (r, k) => (r.stats.byKind[k]?.count ?? 0) / r.seconds;
      const p99 = (r, k) => quantile(r.stats.byKind[k]?.ms ?? [], 0.99);
      const total = (r) => Object.values(r.stats.byKind).reduce((s, k) => s + k.count, 0) / r.seconds;
      rows.push(infoRow('mixed load, all requests: 3 nodes vs 1 node', { kura: fmt.rps(total(three)), reference: `${fmt.rps(total(one))} (1 node)`, ratio: fmt.ratio(total(three) / total(one)) }));
      for (const k of [...Object.keys(KINDS), 'slice']) {
        if (!one.stats.byKind[k] || !three.stats.byKind[k]) continue;
        const what = { resumable: 'resumable upload, native (whole)', driveSlices: 'sliced upload, drive (whole)', slice: 'resumable requests (slice, open, state)' }[k] ?? k;
        rows.push(infoRow(`mixed load, ${what}: req/s, 3 nodes vs 1`, { kura: `${rate(three, k).toFixed(1)} req/s`, reference: `${rate(one, k).toFixed(1)} req/s (1 node)`, ratio: fmt.ratio(rate(three, k) / rate(one, k)) }));
        rows.push(infoRow(`mixed load, ${what}: p99, 3 nodes vs 1`, { kura: fmt.ms(p99(three, k)), reference: `${fmt.ms(p99(one, k))} (1 node)`, ratio: fmt.ratio(p99(three, k) / p99(one, k)) }));
      }
      return rows;
    } finally {
      for (const d of daemons.reverse()) await d.stop().catch(() => undefined);
      for (const name of dbs) await admin((c) => c.query(`drop database if exists "${name}" with (force)`)).catch(() => undefined);
    }
  },
};
