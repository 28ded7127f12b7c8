// The test data and the machine's own ceilings: random file generation, `dd` write speed,
// `sha256sum` speed.
import { open, rm } from 'node:fs/promises';
import { randomFillSync } from 'node:crypto';
import { BenchError, SERVER_CORE, run, which } from './proc.mjs';

/**
 * Write `bytes` of random (incompressible) data to `file`, once. Uses `openssl rand` when
 * available (fastest), else `head -c` from /dev/urandom.
 */
export async function makeRandomFile(file, bytes) {
  if (which('openssl')) await run('openssl', ['rand', '-out', file, String(bytes)]);
  else await run('sh', ['-c', `head -c ${bytes} /dev/urandom > "$1"`, 'sh', file]);
  await checkSize(file, bytes);
}

/** The first `bytes` bytes of `src` as a new file `file` (small test files from the same data). */
export async function headOf(src, file, bytes) {
  const buf = Buffer.alloc(bytes);
  const from = await open(src, 'r');
  try {
    const { bytesRead } = await from.read(buf, 0, bytes, 0);
    if (bytesRead !== bytes) randomFillSync(buf, bytesRead);
  } finally {
    await from.close();
  }
  const to = await open(file, 'w');
  try {
    await to.writeFile(buf);
  } finally {
    await to.close();
  }
}

async function checkSize(file, bytes) {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size !== bytes) throw new BenchError(`${file}: expected ${bytes} bytes, got ${size}`);
  } finally {
    await fh.close();
  }
}

/** Flush dirty pages so earlier writes don't compete with the next timed write. */
export async function sync() {
  await run('sync', []);
}

/**
 * The disk's own write speed: `dd if=<src> of=<dst> bs=1M count=<MiB> conv=fdatasync` on the
 * server core, timed from start to exit (the fdatasync included). The input is the bench's
 * random file (already in the page cache), so the bytes written are the ones Kura writes
 * and a compressing filesystem gets no advantage. Removes `dst` afterwards.
 */
export async function ddWrite(src, dst, mib) {
  await sync();
  try {
    const r = await run('dd', [`if=${src}`, `of=${dst}`, 'bs=1M', `count=${mib}`, 'conv=fdatasync'], { core: SERVER_CORE });
    const m = /^(\d+) bytes/m.exec(r.stderr);
    const bytes = m ? Number(m[1]) : mib * 1024 * 1024;
    if (bytes !== mib * 1024 * 1024) throw new BenchError(`dd wrote ${bytes} bytes, expected ${mib} MiB`);
    return { bytes, seconds: r.seconds };
  } finally {
    await rm(dst, { force: true });
  }
}

/** `sha256sum <file>` on the server core: the hash and the time it took. */
export async function sha256sum(file) {
  const r = await run('sha256sum', [file], { core: SERVER_CORE });
  const m = /^([0-9a-f]{64})\s/.exec(r.stdout);
  if (!m) throw new BenchError(`cannot parse sha256sum output: ${r.stdout.slice(0, 200)}`);
  return { sha256: m[1], seconds: r.seconds };
}

/**
 * SHA-256 of `file` with Node's crypto (OpenSSL, what Kura hashes uploads with) on the server
 * core, 1 MiB reads; timed inside the child so Node's start-up is not counted.
 */
export async function nodeSha256(file) {
  const script = [
    "const { createHash } = require('node:crypto');",
    "const { createReadStream } = require('node:fs');",
    "const h = createHash('sha256'); const t = process.hrtime.bigint();",
    'createReadStream(process.argv[1], { highWaterMark: 1 << 20 })',
    "  .on('data', (d) => h.update(d))",
    "  .on('end', () => console.log(h.digest('hex'), Number(process.hrtime.bigint() - t) / 1e9));",
  ].join('\n');
  const r = await run(process.execPath, ['-e', script, file], { core: SERVER_CORE });
  const m = /^([0-9a-f]{64}) ([\d.e-]+)/.exec(r.stdout.trim());
  if (!m) throw new BenchError(`cannot parse node sha256 output: ${r.stdout.slice(0, 200)}`);
  return { sha256: m[1], seconds: Number(m[2]) };
}
