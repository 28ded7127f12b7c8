import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rule } from '../src/core/index.js';
import { RateLimiter } from '../src/core/limits/limiter.js';
import { openCore, type OpenCore } from '../src/runtime.js';
import { backends } from './helpers/backends.js';
import { startKura, type TestKura } from './helpers/kura.js';

/** The one rate limiter counts in the database: two nodes on one database share the counts. */
describe.each(backends)('rate limiter shared by nodes (%s)', (backend) => {
  let k: TestKura;
  let other: OpenCore;
  const rule: Rule = { name: 'test-rule', limit: 3, windowMs: 60_000, message: 'slow down' };

  beforeAll(async () => {
    k = await startKura(backend);
    other = await openCore(k.config);
  });
  afterAll(async () => {
    await other.close();
    await k.stop();
  });

  it('refuses past the limit, counting hits from every node, with Retry-After seconds', async () => {
    await k.core.limiter.hit(rule, '10.0.0.1');
    await other.limiter.hit(rule, '10.0.0.1');
    await k.core.limiter.check(rule, '10.0.0.1');
    await other.limiter.hit(rule, '10.0.0.1');
    // Three used: the next check refuses on either node, counting nothing.
    for (const core of [k.core, other]) {
      await expect(core.limiter.check(rule, '10.0.0.1')).rejects.toMatchObject({ code: 'rate_limited', message: 'slow down' });
    }
    const e = await k.core.limiter.hit(rule, '10.0.0.1').then(
      () => undefined,
      (x: unknown) => x as { code: string; details: { retryAfter: number } },
    );
    expect(e?.code).toBe('rate_limited');
    expect(e!.details.retryAfter).toBeGreaterThanOrEqual(1);
    expect(e!.details.retryAfter).toBeLessThanOrEqual(60);
    // Other subjects and other rules are not affected.
    await k.core.limiter.hit(rule, '10.0.0.2');
    await k.core.limiter.hit({ ...rule, name: 'another' }, '10.0.0.1');
  });

  it('counts the previous window too, weighted by how much of it is within one window of now', async () => {
    const store = k.core.database.store;
    const windowStart = Math.floor(Date.now() / rule.windowMs) * rule.windowMs + 10 * rule.windowMs;
    const edge = { ...rule, name: 'edge-rule' };
    // Three events just before a window's edge.
    await store.limits.hit('edge-rule:10.0.0.3', windowStart - rule.windowMs);
    await store.limits.hit('edge-rule:10.0.0.3', windowStart - rule.windowMs);
    await store.limits.hit('edge-rule:10.0.0.3', windowStart - rule.windowMs);
    // A moment past the edge they still count: no fresh allowance at the edge.
    const justAfter = new RateLimiter(store, () => windowStart + 1000);
    await expect(justAfter.check(edge, '10.0.0.3')).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(justAfter.hit(edge, '10.0.0.3')).rejects.toMatchObject({ code: 'rate_limited' });
    // Near the end of the new window they have almost aged out: one more event fits (the
    // refused one above counted), then no more.
    const late = new RateLimiter(store, () => windowStart + rule.windowMs - 1000);
    await late.hit(edge, '10.0.0.3');
    await expect(late.hit(edge, '10.0.0.3')).rejects.toMatchObject({ code: 'rate_limited' });
  });

  it('prunes windows older than an hour, keeps current ones', async () => {
    await k.core.database.db.insertInto('rate_limits').values({ key: 'test-rule:old', window_start: Date.now() - 2 * 3600_000, count: 9 }).execute();
    await k.core.limiter.prune();
    const keys = (await k.core.database.db.selectFrom('rate_limits').select('key').where('key', 'like', 'test-rule:%').execute()).map((r) => r.key);
    expect(keys).not.toContain('test-rule:old');
    expect(keys).toContain('test-rule:10.0.0.1');
  });
});
