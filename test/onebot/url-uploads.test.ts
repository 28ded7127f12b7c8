import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urlFetchRule } from '../../src/core/index.js';
import { InFlight } from '../../src/core/limits/in-flight.js';
import { openCore } from '../../src/runtime.js';
import { backends } from '../helpers/backends.js';
import { json } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { b64, fails, ok, type Answer } from './client.js';

/** A URL source whose `/hold/…` answers wait until the test lets them go. */
class HoldingServer {
  readonly server: Server;
  readonly held: ServerResponse[] = [];
  hits = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      this.hits++;
      if (req.url?.startsWith('/hold/')) this.held.push(res);
      else res.end('at once');
      for (const w of this.waiters.filter((x) => this.hits >= x.n)) w.resolve();
      this.waiters = this.waiters.filter((x) => this.hits < x.n);
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Resolves once `n` requests have arrived in all. */
  reached(n: number): Promise<void> {
    return this.hits >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  letGo(): void {
    for (const res of this.held.splice(0)) res.end('held bytes');
  }
}

describe.each(backends)('onebot uploads from URLs: places in flight (%s)', (backend) => {
  let k: TestKura;
  let src: HoldingServer;
  let u: TestUser, w: TestUser, x: TestUser;
  let gid: number;
  const url = (path: string) => `http://127.0.0.1:${src.port}${path}`;
  const upload = (user: TestUser, file: string, name: string, action = 'upload_group_file') =>
    fetch(`${k.url}/onebot/${action}`, { method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ group_id: gid, file, name }) });

  beforeAll(async () => {
    src = new HoldingServer();
    await new Promise<void>((r) => src.server.listen(0, '127.0.0.1', r));
    k = await startKura(backend, { KURA_URL_UPLOAD_ALLOW: `127.0.0.1:${src.port}`, KURA_URL_UPLOAD_MAX_PER_USER: '2', KURA_URL_UPLOAD_MAX_PER_NODE: '3' });
    [u, w, x] = await Promise.all([k.user(), k.user(), k.user()]);
    gid = (await k.core.spaces.create({ userId: u.id, role: 'user' }, { kind: 'group', name: 'Fetches' })).id;
    for (const m of [w, x]) await k.core.spaces.setMember({ userId: u.id, role: 'user' }, gid, m.id, 'member');
  });
  afterAll(async () => {
    src.letGo();
    await k.stop();
    src.server.closeAllConnections();
    await new Promise<void>((r) => src.server.close(() => r()));
  });

  it('caps uploads from URLs per user (over all nodes) and per node; the excess is refused with 1429, _async too, before any fetch', async () => {
    // Two of u's, one sync and one _async, are fetching (their sources hold the answer).
    const first = upload(u, url('/hold/a'), 'a.txt');
    const queued = await json<Answer>(await upload(u, url('/hold/b'), 'b.txt', 'upload_group_file_async'));
    expect(queued).toMatchObject({ status: 'async', retcode: 1 });
    await src.reached(2);

    // A third from u is refused at once, sync or _async, and never fetched.
    for (const action of ['upload_group_file', 'upload_group_file_async']) {
      const res = await upload(u, url('/hold/c'), 'c.txt', action);
      expect(res.status).toBe(200);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await json(res), action).toMatchObject({ status: 'failed', retcode: 1429, data: null, message: expect.stringMatching(/at most 2 uploads from URLs at once per user/) });
    }
    // The count is the database's: another node refuses u as well.
    const other = await openCore(k.config, { images: 'lazy' });
    try {
      await expect(other.urlFetches.reserve({ userId: u.id, role: 'user' })).rejects.toMatchObject({ code: 'rate_limited' });
      const theirs = await other.urlFetches.reserve({ userId: x.id, role: 'user' });
      await theirs.release();
    } finally {
      await other.close();
    }
    // Other sources of u's are not capped.
    expect(await ok(k, u, 'upload_group_file', { group_id: gid, file: b64('inline'), name: 'inline.txt' })).toMatchObject({ file_id: expect.any(String) });

    // w takes this node's third place; x finds the node full.
    const third = upload(w, url('/hold/d'), 'd.txt');
    await src.reached(3);
    const full = await fails(k, x, 'upload_group_file', { group_id: gid, file: url('/hold/e'), name: 'e.txt' });
    expect(full).toMatchObject({ retcode: 1429, message: expect.stringMatching(/this server is fetching 3 URLs already/) });
    expect(src.hits).toBe(3);

    // Once the transfers end, their places are free again.
    src.letGo();
    for (const r of [await first, await third]) expect(await json(r)).toMatchObject({ status: 'ok', retcode: 0 });
    expect(await ok(k, u, 'upload_group_file', { group_id: gid, file: url('/now'), name: 'now.txt' })).toMatchObject({ file_id: expect.any(String) });
    expect(await ok(k, x, 'upload_group_file', { group_id: gid, file: url('/now'), name: 'now-x.txt' })).toMatchObject({ file_id: expect.any(String) });
  });

  it('a node that died holding places frees them when their claims lapse (injected clock)', async () => {
    let now = 1_000_000_000;
    const store = k.core.database.store;
    const rule = { ...urlFetchRule(k.config), name: 'lapse-test', perSubject: 2, perNode: 5, leaseMs: 60_000 };
    const dead = new InFlight(store, () => now);
    const alive = new InFlight(store, () => now);
    await dead.acquire(rule, 'someone');
    await dead.acquire(rule, 'someone');
    await expect(alive.acquire(rule, 'someone')).rejects.toMatchObject({ code: 'rate_limited', details: { retryAfter: expect.any(Number) } });
    now += 60_001;
    const taken = await alive.acquire(rule, 'someone');
    expect(await store.inFlight.held('lapse-test:someone', now)).toBe(1);
    await taken.release();
    await taken.release();
    expect(await store.inFlight.held('lapse-test:someone', now)).toBe(0);
    // GC drops what lapsed.
    await alive.prune();
    expect(await store.inFlight.held('lapse-test:someone', 0)).toBe(0);
    // Per node: this process's count, whatever the subject.
    const one = { ...rule, perNode: 1 };
    const held = await alive.acquire(one, 'a');
    await expect(alive.acquire(one, 'b')).rejects.toMatchObject({ code: 'rate_limited', message: rule.nodeMessage });
    await held.release();
    await (await alive.acquire(one, 'b')).release();
  });
});
