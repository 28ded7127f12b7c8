import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { startNodes, type TestNodes } from '../helpers/nodes.js';
import { clientUpload } from '../helpers/tus.js';

/** tus-js-client's own HTTP stack, sending each request to the next node in turn. */
class RoundRobin implements tus.HttpStack {
  private readonly inner = new tus.DefaultHttpStack({});
  private next = 0;
  readonly hosts: string[] = [];

  constructor(private readonly nodes: string[]) {}

  createRequest(method: string, url: string): tus.HttpRequest {
    const u = new URL(url);
    const node = new URL(this.nodes[this.next++ % this.nodes.length]);
    u.host = node.host;
    this.hosts.push(`${method} ${node.host}`);
    return this.inner.createRequest(method, u.href);
  }

  getName(): string {
    return 'RoundRobin';
  }
}

// Two `kura serve` processes on one PostgreSQL database and one S3-protocol store: tus
// state lives in neither process, so every chunk may go to another node.
describe.runIf(process.env.KURA_TEST_DATABASE_URL)('tus across two Kura processes (postgres + s3)', () => {
  let nodes: TestNodes;
  let urls: string[] = [];
  let token = '';

  beforeAll(async () => {
    nodes = await startNodes({ bucket: 'kura-tus-nodes', username: 'tusnodes' });
    ({ urls, token } = nodes);
  }, 90_000);

  afterAll(() => nodes?.close());

  it('tus-js-client sends each chunk to the other node; either node serves the file', async () => {
    const data = bytes(2_100_000, 31);
    const stack = new RoundRobin(urls);
    const r = await clientUpload(`${urls[0]}/api/v1/tus/`, token, data, { chunkSize: 300_000, httpStack: stack, metadata: { filename: 'nodes.bin' } });
    const patches = stack.hosts.filter((h) => h.startsWith('PATCH'));
    expect(patches.length).toBe(7);
    expect(new Set(patches).size).toBe(2);
    for (const url of urls) {
      const dl = await fetch(`${url}/api/v1/items/${r.itemId}/content`, { headers: { authorization: `Bearer ${token}` } });
      expect(sha256(await body(dl))).toBe(sha256(data));
    }
    // Each node sees the other's progress: HEAD on either.
    for (const url of urls) {
      const head = await fetch(`${url}${new URL(r.url).pathname}`, { method: 'HEAD', headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' } });
      expect(head.headers.get('upload-offset')).toBe(String(data.length));
    }
  }, 90_000);

  it('parallel partial uploads spread over both nodes, the final one made on either', async () => {
    const data = bytes(1_500_000, 32);
    const stack = new RoundRobin(urls);
    const r = await clientUpload(`${urls[1]}/api/v1/tus/`, token, data, { parallelUploads: 2, chunkSize: 250_000, httpStack: stack, metadata: { filename: 'nodes-parallel.bin' } });
    const item = await json(await fetch(`${urls[0]}/api/v1/items/${r.itemId}`, { headers: { authorization: `Bearer ${token}` } }));
    expect(item).toMatchObject({ name: 'nodes-parallel.bin', size: data.length });
    const dl = await fetch(`${urls[1]}/api/v1/items/${r.itemId}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(sha256(await body(dl))).toBe(sha256(data));
  }, 90_000);
});
