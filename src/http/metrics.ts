import { createHash, timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CATEGORIES, type Core, KuraError } from '../core/index.js';
import { bearerToken } from './shared/credentials.js';
import { redactUrl } from './shared/redact.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];

interface RouteStats {
  method: string;
  route: string;
  /** Count per status code. */
  statuses: Map<number, number>;
  /** Cumulative counts per bucket (the last one is +Inf). */
  buckets: number[];
  sum: number;
  count: number;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A preHandler that lets a scrape through only with `Authorization: Bearer <token>`
 * (KURA_METRICS_TOKEN), compared in constant time; without a token every scrape passes.
 */
export function scrapeGuard(token: string | undefined): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = token === undefined ? undefined : digest(token);
  return async (req, reply) => {
    if (!expected) return;
    const given = bearerToken(req);
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    reply.header('WWW-Authenticate', 'Bearer realm="kura-metrics"');
    throw new KuraError('unauthorized', given === undefined ? '/metrics needs an Authorization: Bearer <KURA_METRICS_TOKEN> header' : 'wrong metrics token');
  };
}

/**
 * Prometheus metrics: process defaults (prom-client), requests and their durations by
 * route, what the store holds and what this node did.
 *
 * - Requests: the per-request part only bumps numbers in a record found by one map lookup;
 *   label handling and text rendering happen at scrape time (prom-client's labelled
 *   `inc`/`observe` cost a fifth of a small GET).
 * - Storage (`kura_storage_*`, `kura_upload_*`): database figures, the same on every node;
 *   read through the core's StorageStats (the usage ledger, and aggregates measured at most
 *   once per KURA_METRICS_CACHE_SECONDS however often Prometheus scrapes).
 * - Node counters (`kura_node_*`, label `node` = host:pid): GC runs and what they freed,
 *   rate-limit refusals; in process memory by nature, to be summed over nodes.
 */
export class Metrics {
  private readonly registry = new Registry();
  private readonly routes = new Map<string, RouteStats>();
  private readonly node = `${hostname()}:${process.pid}`;
  private fillStorage: () => Promise<void> = async () => {};

  constructor(private readonly core?: Core) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kura_' });
    if (core) this.storageMetrics(core);
  }

  private storageMetrics(core: Core): void {
    const registers = [this.registry];
    const up = new Gauge({ name: 'kura_storage_figures_up', help: '1 when the storage figures below could be read from the database at this scrape', registers });
    const age = new Gauge({ name: 'kura_storage_figures_age_seconds', help: 'Age of the storage figures (a node measures them at most once per KURA_METRICS_CACHE_SECONDS)', registers });
    const blobs = new Gauge({ name: 'kura_storage_blobs', help: 'Content blobs stored (deduplicated by SHA-256, derivatives included)', registers });
    const blobBytes = new Gauge({ name: 'kura_storage_blob_bytes', help: 'Bytes of the content blobs stored (after deduplication)', registers });
    const items = new Gauge({ name: 'kura_storage_items', help: 'Items, live or in the trash, by kind', labelNames: ['kind'], registers });
    const files = new Gauge({ name: 'kura_storage_files', help: 'Files, live or in the trash, by category (usage ledger)', labelNames: ['category'], registers });
    const logical = new Gauge({ name: 'kura_storage_logical_bytes', help: 'Bytes of every version of every file, live or in the trash, by category, before deduplication (usage ledger)', labelNames: ['category'], registers });
    const sessions = new Gauge({ name: 'kura_upload_sessions_open', help: 'Resumable upload sessions not completed yet (open or assembling)', registers });
    const reserved = new Gauge({ name: 'kura_upload_reserved_bytes', help: 'Quota bytes reserved by those sessions', registers });
    // Filled before each scrape is rendered, from one (cached) measurement.
    this.fillStorage = async () => {
      let f;
      try {
        f = await core.stats.figures();
      } catch {
        for (const g of [age, blobs, blobBytes, items, files, logical, sessions, reserved]) g.reset();
        up.set(0);
        return;
      }
      up.set(1);
      age.set(Math.max(0, (Date.now() - f.measuredAt) / 1000));
      blobs.set(f.blobs);
      blobBytes.set(f.blobBytes);
      let fileCount = 0;
      for (const c of CATEGORIES) {
        files.set({ category: c }, f.usage[c].files);
        logical.set({ category: c }, f.usage[c].bytes);
        fileCount += f.usage[c].files;
      }
      items.set({ kind: 'file' }, fileCount);
      items.set({ kind: 'folder' }, f.folders);
      sessions.set(f.uploadSessions);
      reserved.set(f.uploadReserved);
    };
    const node = { node: this.node };
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help: `${help} (this node since it started)`,
        labelNames: ['node'],
        registers,
        collect() {
          this.reset();
          this.inc(node, read());
        },
      });
    const n = core.counters;
    counter('kura_node_gc_runs_total', 'Garbage collections run', () => n.gcRuns);
    counter('kura_node_gc_failures_total', 'Garbage collections that failed', () => n.gcFailures);
    counter('kura_node_gc_deleted_blobs_total', 'Blobs deleted by garbage collection', () => n.gcDeletedBlobs);
    counter('kura_node_gc_freed_bytes_total', 'Bytes freed by garbage collection', () => n.gcFreedBytes);
    new Counter({
      name: 'kura_node_rate_limited_total',
      help: 'Requests refused by the rate limiter, by rule (this node since it started)',
      labelNames: ['node', 'rule'],
      registers,
      collect() {
        this.reset();
        for (const [rule, v] of n.rateLimited) this.inc({ ...node, rule }, v);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private record(method: string, route: string, status: number, seconds: number): void {
    const key = method + ' ' + route;
    let r = this.routes.get(key);
    if (!r) {
      r = { method, route, statuses: new Map(), buckets: new Array(BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.routes.set(key, r);
    }
    r.statuses.set(status, (r.statuses.get(status) ?? 0) + 1);
    let i = 0;
    while (i < BUCKETS.length && seconds > BUCKETS[i]) i++;
    r.buckets[i]++;
    r.sum += seconds;
    r.count++;
  }

  async render(): Promise<string> {
    const lines = ['# HELP kura_http_requests_total HTTP requests answered', '# TYPE kura_http_requests_total counter'];
    for (const r of this.routes.values()) {
      for (const [status, n] of r.statuses) lines.push(`kura_http_requests_total{method="${r.method}",route="${esc(r.route)}",status="${status}"} ${n}`);
    }
    lines.push('# HELP kura_http_request_duration_seconds Time to answer HTTP requests', '# TYPE kura_http_request_duration_seconds histogram');
    for (const r of this.routes.values()) {
      const l = `method="${r.method}",route="${esc(r.route)}"`;
      let cumulative = 0;
      BUCKETS.forEach((b, i) => {
        cumulative += r.buckets[i];
        lines.push(`kura_http_request_duration_seconds_bucket{${l},le="${b}"} ${cumulative}`);
      });
      lines.push(`kura_http_request_duration_seconds_bucket{${l},le="+Inf"} ${r.count}`);
      lines.push(`kura_http_request_duration_seconds_sum{${l}} ${r.sum}`);
      lines.push(`kura_http_request_duration_seconds_count{${l}} ${r.count}`);
    }
    await this.fillStorage();
    return (await this.registry.metrics()) + lines.join('\n') + '\n';
  }

  register(app: FastifyInstance): void {
    app.addHook('onResponse', (req, reply, done) => {
      // One read: Fastify builds routeOptions anew each time.
      const route = req.routeOptions;
      this.record(req.method, route.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      // Build the access-log line only when it will be written: this runs on every request.
      if ((req.log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.('info') !== false) {
        req.log.info({ reqId: req.id, method: req.method, url: redactUrl(req.url, route.config?.secretParams, route.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ip: req.ip }, 'request');
      }
      done();
    });
  }
}
