import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBlobStore } from '../src/blobs/local.js';
import { SLAB_BYTES } from '../src/blobs/direct-sink.js';
import { spawnKura } from './ops/serve.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kura-direct-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Whether this process holds a descriptor on a file below `below` opened with O_DIRECT (Linux: /proc/self/fdinfo flags, octal). */
async function directHandleBelow(below: string): Promise<boolean> {
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (!target.startsWith(below)) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    const flags = /^flags:\s*([0-7]+)/m.exec(info);
    if (flags && (parseInt(flags[1], 8) & constants.O_DIRECT) !== 0) return true;
  }
  return false;
}

/** Writes a piece larger than a slab and reports whether a direct handle was open while it was written. */
async function writesDirect(store: LocalBlobStore, root: string): Promise<boolean> {
  const source = new PassThrough();
  const session = randomBytes(16).toString('hex');
  const put = store.putPiece(session, 0, source, { maxBytes: 4 * SLAB_BYTES, known: [] });
  source.write(randomBytes(SLAB_BYTES + 4096));
  // The piece is mid-write (the source is still open): its handles are there to be seen.
  await new Promise((resolve) => setImmediate(resolve));
  let seen = false;
  for (let i = 0; i < 50 && !seen; i++) {
    seen = await directHandleBelow(root);
    if (!seen) await new Promise((resolve) => setImmediate(resolve));
  }
  source.end(randomBytes(10));
  const piece = await put;
  expect(piece.size).toBe(SLAB_BYTES + 4096 + 10);
  return seen;
}

const linux = typeof constants.O_DIRECT === 'number' && process.platform === 'linux';

describe('KURA_DIRECT_IO', () => {
  it.runIf(linux)('off: the store says so and never opens a file with O_DIRECT', async () => {
    const root = join(dir, 'off');
    const store = new LocalBlobStore({ root, directIo: 'off' });
    await store.init();
    expect(store.directWrites()).toEqual({ on: false, why: expect.stringContaining('KURA_DIRECT_IO=off') });
    expect(await writesDirect(store, root)).toBe(false);
    await store.close();
  });

  it.runIf(linux)("auto (the default): direct writes where the filesystem takes them, and the reason when it does not", async () => {
    const root = join(dir, 'auto');
    const store = new LocalBlobStore({ root });
    await store.init();
    const state = store.directWrites();
    if (state.on) {
      expect(state.why).toContain('O_DIRECT');
      expect(await writesDirect(store, root)).toBe(true);
    } else {
      expect(state.why).toMatch(/refuses O_DIRECT/);
    }
    await store.close();
  });
});

describe('the start-up lines of kura serve', () => {
  const lines = (records: Record<string, unknown>[]) => ({
    direct: records.filter((r) => typeof r.directWrites === 'boolean'),
    heap: records.filter((r) => typeof r.heapTuning === 'boolean'),
  });

  it('say what is in use by default: one line for direct writes, one for heap tuning', async () => {
    const k = spawnKura(['serve'], { DATA_DIR: join(dir, 'serve-auto'), PORT: '0', HOST: '127.0.0.1' });
    try {
      await k.waitFor((o) => o.includes('"banner":true'));
      const { direct, heap } = lines(k.records());
      expect(direct).toHaveLength(1);
      expect(direct[0].msg).toMatch(/^direct writes (on|off): /);
      if (linux && direct[0].directWrites === false) expect(direct[0].why).toMatch(/refuses O_DIRECT/);
      expect(heap).toHaveLength(1);
      expect(heap[0]).toMatchObject({ heapTuning: true, msg: expect.stringContaining('heap tuning on: --heap-growing-percent=200') });
    } finally {
      await k.stop();
    }
  });

  it('KURA_DIRECT_IO=off and KURA_HEAP_TUNING=off: both off, and the lines say why', async () => {
    const k = spawnKura(['serve'], { DATA_DIR: join(dir, 'serve-off'), PORT: '0', HOST: '127.0.0.1', KURA_DIRECT_IO: 'off', KURA_HEAP_TUNING: 'off' });
    try {
      await k.waitFor((o) => o.includes('"banner":true'));
      const { direct, heap } = lines(k.records());
      expect(direct).toEqual([expect.objectContaining({ directWrites: false, msg: expect.stringMatching(/^direct writes off: KURA_DIRECT_IO=off/) })]);
      expect(heap).toEqual([expect.objectContaining({ heapTuning: false, msg: expect.stringMatching(/^heap tuning off: KURA_HEAP_TUNING=off/) })]);
    } finally {
      await k.stop();
    }
  });
});
