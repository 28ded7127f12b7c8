import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../src/core/index.js';
import { backends } from './helpers/backends.js';
import { blobOf, bytes, sha256 } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';
import { kuraCommand } from './helpers/cli.js';

/**
 * Issue 20, item 16: an upload refused by the quota (of files) leaves its committed object
 * behind, and `kura fsck` exited 3 on it. Inside the GC grace such a leftover is pending
 * (exit 0), GC counts it as skipped, and once the grace has passed (an injected clock) it is
 * a problem fsck reports and GC removes.
 */
describe.each(backends)('leftovers inside the GC grace (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  let env: Record<string, string>;
  const refused = bytes(5000, 1616);

  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    env = { DATA_DIR: k.dataDir, ...(k.config.databaseUrl ? { DATABASE_URL: k.config.databaseUrl } : {}) };
    const space = await k.core.spaces.create({ userId: u.id, role: 'user' }, { kind: 'group', name: 'small' });
    // A quota of files is judged in the upload's transaction, after its bytes were committed.
    await k.core.spaces.setQuota({ userId: u.id, role: 'admin' }, space.id, { files: 0 });
    const form = new FormData();
    form.append('file', blobOf(refused), 'too-big.bin');
    const res = await fetch(`${k.url}/api/v1/items/${space.rootId}/children`, { method: 'POST', headers: u.auth, body: form });
    expect(res.status).toBe(507);
  });
  afterAll(() => k.stop());

  it('fsck reports the refused upload as pending, not a problem; `kura fsck` exits 0 and says so', async () => {
    expect(await k.core.blobs.has(sha256(refused))).toBe(true);
    const report = await k.core.fsck();
    expect(report.problems).toEqual([]);
    expect(report.pending).toEqual({ objects: 1, bytes: refused.length, uploads: 0 });
    const cli = await kuraCommand(['fsck'], env);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain('no problems');
    expect(cli.stdout).toMatch(/pending \(not a problem\): 4\.9 KiB in 1 object no file names .*KURA_GC_GRACE_SECONDS/);
    const json = await kuraCommand(['fsck', '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, problems: [], pending: { objects: 1, bytes: refused.length } });
  });

  it('gc counts what it skipped and keeps it', async () => {
    const r = await k.core.gc();
    expect(r.orphans).toBe(0);
    expect(r.waiting).toMatchObject({ orphans: 1, sessions: 0 });
    expect(r.waiting.blobs).toBeGreaterThanOrEqual(1);
    expect(r.waiting.bytes).toBeGreaterThanOrEqual(refused.length);
    const cli = await kuraCommand(['gc'], env);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/\d\.\d KiB in 1 blob waits out the grace period \(KURA_GC_GRACE_SECONDS\) and goes in a later run \(skipped: 1 of them left by refused or interrupted uploads; 0 abandoned upload folders\)/);
    expect(await k.core.blobs.has(sha256(refused))).toBe(true);
  });

  it('past the grace it is a problem fsck reports, and GC removes it', async () => {
    const later = createCore({ config: k.config, store: k.core.database.store, blobs: k.core.blobs, images: k.core.images, sources: k.core.sources, now: () => Date.now() + (k.config.gcGraceSeconds + 60) * 1000, fault: () => undefined });
    const report = await later.fsck();
    expect(report.pending).toEqual({ objects: 0, bytes: 0, uploads: 0 });
    expect(report.problems).toEqual([expect.objectContaining({ hash: sha256(refused), problem: 'orphan_object' })]);
    const r = await later.gc();
    expect(r.orphans).toBe(1);
    expect(await k.core.blobs.has(sha256(refused))).toBe(false);
    expect(await later.fsck()).toMatchObject({ problems: [], pending: { objects: 0 } });
  });
});
