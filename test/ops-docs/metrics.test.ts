import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SHARE_MISS_LIMIT } from '../../src/core/index.js';
import { backends } from '../helpers/backends.js';
import { bytes, json, uploadOne } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';

const TOKEN = 'metrics-secret-0123456789abcdef';

/** The value of one sample of the exposition text (labels as written, in order), or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const scrape = async (k: TestKura, token = TOKEN) => {
  const res = await fetch(`${k.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
};

describe.each(backends)('/metrics storage figures (%s)', (backend) => {
  let a: TestKura;
  let b: TestKura;
  let u: TestUser;

  beforeAll(async () => {
    // Two nodes on one database and one blob directory; figures are measured at every scrape.
    a = await startKura(backend, { KURA_METRICS_TOKEN: TOKEN, KURA_METRICS_CACHE_SECONDS: '0', KURA_GC_GRACE_SECONDS: '0' });
    b = await startKura(backend, { KURA_METRICS_TOKEN: TOKEN, KURA_METRICS_CACHE_SECONDS: '0', DATA_DIR: a.config.dataDir, ...(a.config.databaseUrl ? { DATABASE_URL: a.config.databaseUrl } : {}) });
    u = await a.user();
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('refuses a scrape without the token, or with a wrong one, and says how to send it', async () => {
    const none = await fetch(`${a.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await none.json()).error.message).toMatch(/KURA_METRICS_TOKEN/);
    for (const header of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, 'Basic Zm9vOmJhcg==']) {
      const res = await fetch(`${a.url}/metrics`, { headers: { authorization: header } });
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain('kura_storage');
    }
  });

  it('counts blobs, bytes, items and files from the database, the same on every node', async () => {
    const before = await scrape(a);
    expect(sample(before, 'kura_storage_figures_up')).toBe(1);
    const blobs0 = sample(before, 'kura_storage_blobs')!;
    const bytes0 = sample(before, 'kura_storage_blob_bytes')!;
    const folders0 = sample(before, 'kura_storage_items', 'kind="folder"')!;
    const files0 = sample(before, 'kura_storage_items', 'kind="file"')!;

    const data = bytes(5000, 7);
    await uploadOne(a.url, u.auth, u.rootId, 'one.bin', data);
    await uploadOne(a.url, u.auth, u.rootId, 'same.bin', data); // the same content: one more file, no more blob
    await uploadOne(a.url, u.auth, u.rootId, 'two.txt', 'hello metrics');
    const folder = await fetch(`${a.url}/api/v1/items/${u.rootId}/children`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'f', kind: 'folder' }) });
    expect(folder.status).toBe(201);

    for (const node of [a, b]) {
      const t = await scrape(node);
      expect(sample(t, 'kura_storage_blobs')).toBe(blobs0 + 2);
      expect(sample(t, 'kura_storage_blob_bytes')).toBe(bytes0 + 5000 + 13);
      expect(sample(t, 'kura_storage_items', 'kind="file"')).toBe(files0 + 3);
      expect(sample(t, 'kura_storage_items', 'kind="folder"')).toBe(folders0 + 1);
      expect(sample(t, 'kura_storage_logical_bytes', 'category="other"')).toBe((sample(before, 'kura_storage_logical_bytes', 'category="other"') ?? 0) + 10_013);
      expect(sample(t, 'kura_storage_files', 'category="other"')).toBe((sample(before, 'kura_storage_files', 'category="other"') ?? 0) + 3);
    }
  });

  it('counts open upload sessions and the quota they hold, on every node', async () => {
    const open = await fetch(`${a.url}/api/v1/uploads`, { method: 'POST', headers: { ...u.auth, 'content-type': 'application/json' }, body: JSON.stringify({ folderId: u.rootId, name: 'big.bin', length: 70_000 }) });
    expect(open.status).toBe(201);
    const { key } = await json(open);
    for (const node of [a, b]) {
      const t = await scrape(node);
      expect(sample(t, 'kura_upload_sessions_open')).toBe(1);
      expect(sample(t, 'kura_upload_reserved_bytes')).toBe(70_000);
    }
    expect((await fetch(`${b.url}/api/v1/uploads/${key}`, { method: 'DELETE', headers: u.auth })).status).toBe(204);
    expect(sample(await scrape(a), 'kura_upload_sessions_open')).toBe(0);
  });

  it('counts GC runs and the bytes they freed per node, labelled with the node', async () => {
    const { id } = await uploadOne(a.url, u.auth, u.rootId, 'doomed.bin', bytes(3000, 99));
    expect((await fetch(`${a.url}/api/v1/items/${id}`, { method: 'DELETE', headers: u.auth })).status).toBe(204);
    expect((await fetch(`${a.url}/api/v1/spaces/${u.spaceId}/trash/${id}`, { method: 'DELETE', headers: u.auth })).status).toBe(204);
    const blobs = sample(await scrape(a), 'kura_storage_blobs')!;
    const report = await a.core.gc();
    expect(report.bytes).toBeGreaterThanOrEqual(3000);

    const t = await scrape(a);
    const node = /kura_node_gc_runs_total\{node="([^"]+)"\} (\d+)/.exec(t);
    expect(node).not.toBeNull();
    expect(node![1]).toMatch(/:\d+$/); // host:pid
    expect(Number(node![2])).toBe(1);
    expect(sample(t, 'kura_node_gc_freed_bytes_total', `node="${node![1]}"`)).toBe(report.bytes);
    expect(sample(t, 'kura_node_gc_deleted_blobs_total', `node="${node![1]}"`)).toBe(report.deleted);
    expect(sample(t, 'kura_node_gc_failures_total', `node="${node![1]}"`)).toBe(0);
    // The database figure follows on both nodes; node b ran no GC of its own.
    expect(sample(t, 'kura_storage_blobs')).toBe(blobs - report.deleted);
    expect(sample(await scrape(b), 'kura_storage_blobs')).toBe(blobs - report.deleted);
    expect(sample(await scrape(b), 'kura_node_gc_runs_total', `node="${node![1]}"`)).toBe(0);
  });

  it('counts answers refused by the rate limiter, by rule', async () => {
    const miss = () => fetch(`${a.url}/api/v1/shares/${'0'.repeat(24)}/content`);
    for (let i = 0; i < SHARE_MISS_LIMIT; i++) expect((await miss()).status).toBe(404);
    expect((await miss()).status).toBe(429);
    expect((await miss()).status).toBe(429);
    const t = await scrape(a);
    const line = t.split('\n').find((l) => l.startsWith('kura_node_rate_limited_total{') && l.includes('rule="share-miss"'));
    expect(line).toBeDefined();
    expect(Number(line!.split(' ').pop())).toBe(2);
  });
});

describe('/metrics figures are cached for KURA_METRICS_CACHE_SECONDS', () => {
  let k: TestKura;
  let u: TestUser;
  beforeAll(async () => {
    k = await startKura('sqlite', { KURA_METRICS_CACHE_SECONDS: '3600' });
    u = await k.user();
  });
  afterAll(() => k?.stop());

  it('answers open without a token, and reuses one measurement however often it is scraped', async () => {
    const first = await (await fetch(`${k.url}/metrics`)).text();
    await uploadOne(k.url, u.auth, u.rootId, 'later.bin', bytes(100, 3));
    const second = await (await fetch(`${k.url}/metrics`)).text();
    expect(sample(second, 'kura_storage_blobs')).toBe(sample(first, 'kura_storage_blobs'));
    expect(sample(second, 'kura_storage_figures_age_seconds')).toBeGreaterThanOrEqual(0);
    // The core's figures are the ones served (one cached measurement per node).
    expect((await k.core.stats.figures()).blobs).toBe(sample(first, 'kura_storage_blobs'));
  });
});

describe('KURA_METRICS_TOKEN', () => {
  it('refuses weak or malformed tokens at start-up, naming the variable', () => {
    expect(() => loadConfig({ KURA_METRICS_TOKEN: 'short' })).toThrow(/KURA_METRICS_TOKEN/);
    expect(() => loadConfig({ KURA_METRICS_TOKEN: 'with a space in it 0123456789' })).toThrow(/KURA_METRICS_TOKEN/);
    expect(loadConfig({ KURA_METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(() => loadConfig({ KURA_METRICS_CACHE_SECONDS: '-1' })).toThrow(/KURA_METRICS_CACHE_SECONDS/);
  });
});
