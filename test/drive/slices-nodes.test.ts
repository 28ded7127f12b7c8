import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toObjectId } from '../../src/http/shared/ids.js';
import { body, bytes, json, sha256 } from '../helpers/http.js';
import { startNodes, type TestNodes } from '../helpers/nodes.js';
import { cuts, sendSlice } from '../helpers/slices.js';

// Two `kura serve` processes on one PostgreSQL database and one S3-protocol store: no
// upload state may live in either process.
describe.runIf(process.env.KURA_TEST_DATABASE_URL)('sliced upload across two Kura processes (postgres + s3)', () => {
  let nodes: TestNodes;
  let urls: string[] = [];
  let token = '';
  let rootId = 0;

  beforeAll(async () => {
    nodes = await startNodes({ bucket: 'kura-nodes', username: 'nodes' });
    ({ urls, token, rootId } = nodes);
    // The user's space as the second node lists it.
    const spaces = await json(await fetch(`${urls[1]}/api/v1/spaces`, { headers: { authorization: `Bearer ${token}` } }));
    expect(spaces.spaces[0].rootId).toBe(rootId);
  }, 60_000);

  afterAll(() => nodes?.close());

  it('takes slices sent alternately to both, out of order, and either node serves the file', async () => {
    const data = bytes(3_000_000, 81);
    const tempId = randomUUID();
    const parts = cuts(data.length, [400_000, 250_000, 700_001]);
    const order = [...parts.slice(1).reverse(), parts[0]];
    let last: { Data: { _id: string; FileSize: number; ReceivedLength?: number } } | undefined;
    for (const [i, [offset, n]] of order.entries()) {
      const res = await sendSlice(urls[i % 2], { token, fileName: 'nodes.bin', parentId: toObjectId(rootId), tempId, offset, length: data.length, data: data.subarray(offset, offset + n) });
      last = await json(res);
      expect(res.status).toBe(200);
      if (i < order.length - 1) expect(last!.Data.ReceivedLength).toBeGreaterThan(0);
    }
    expect(last!.Data.FileSize).toBe(data.length);
    for (const url of urls) {
      const dl = await fetch(`${url}/v1/file/download?${new URLSearchParams({ UserToken: token, FileId: last!.Data._id })}`);
      expect(sha256(await body(dl))).toBe(sha256(data));
    }
    // A conflicting slice sent to the other node is caught there too.
    const other = randomUUID();
    await sendSlice(urls[0], { token, fileName: 'c.bin', parentId: toObjectId(rootId), tempId: other, offset: 0, length: 2000, data: data.subarray(0, 1000) });
    const clash = await sendSlice(urls[1], { token, fileName: 'c.bin', parentId: toObjectId(rootId), tempId: other, offset: 500, length: 2000, data: bytes(1000, 9) });
    expect(clash.status).toBe(409);
  }, 60_000);
});
