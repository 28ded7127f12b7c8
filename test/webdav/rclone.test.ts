import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { bytes } from '../helpers/http.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { TEST_PASSWORD } from '../helpers/password.js';

const RCLONE = '/usr/bin/rclone';
const hasRclone = existsSync(RCLONE);
const title = hasRclone ? 'rclone against /dav (%s)' : `rclone against /dav (%s): SKIPPED because ${RCLONE} is absent (apt-get install -y rclone; .ci/run installs it)`;

/** A tree with the names and sizes that trip servers up: spaces, #, %, emoji, decomposed accents, empty and multi-MiB files. */
const TREE: { path: string; size: number }[] = [
  { path: 'empty.txt', size: 0 },
  { path: 'one byte', size: 1 },
  { path: 'hash #1.bin', size: 4095 },
  { path: 'percent 100%.bin', size: 65_536 },
  { path: 'emoji 😀 file.txt', size: 1000 },
  { path: 'cafe\u0301 (nfd).txt', size: 300 },
  { path: 'deep/er/and deeper/leaf.bin', size: 3 * 1024 * 1024 + 7 },
  { path: 'deep/sibling & co.txt', size: 10 },
  ...Array.from({ length: 40 }, (_, i) => ({ path: `many/file-${i}.dat`, size: (i * 7919) % 50_000 })),
];

function rclone(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(RCLONE, args, { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe.skipIf(!hasRclone).each(backends)(title, (backend) => {
  let k: TestKura;
  let u: TestUser;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    dir = await mkdtemp(join(tmpdir(), 'kura-rclone-'));
    for (const [i, f] of TREE.entries()) {
      const file = join(dir, 'up', f.path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, bytes(f.size, i + 1));
    }
    const obscured = await rclone(['obscure', TEST_PASSWORD], {});
    env = {
      RCLONE_CONFIG: join(dir, 'none.conf'),
      RCLONE_CONFIG_KURA_TYPE: 'webdav',
      RCLONE_CONFIG_KURA_URL: `${k.url}/dav/`,
      RCLONE_CONFIG_KURA_VENDOR: 'other',
      RCLONE_CONFIG_KURA_USER: u.username,
      RCLONE_CONFIG_KURA_PASS: obscured.out.trim(),
    };
  });
  afterAll(async () => {
    await k?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('copies a tree up and back byte for byte; check --download is clean; a second copy moves nothing', async () => {
    const remote = `kura:${u.username}/tree`;
    const up = await rclone(['copy', join(dir, 'up'), remote], env);
    expect(up.code, up.out).toBe(0);
    const check = await rclone(['check', '--combined', '-', '--download', join(dir, 'up'), remote], env);
    expect(check.code, check.out).toBe(0);
    expect(check.out).toMatch(new RegExp(`${TREE.length} matching files`));
    const again = await rclone(['copy', '-v', join(dir, 'up'), remote], env);
    expect(again.code, again.out).toBe(0);
    expect(again.out).not.toMatch(/: Copied/);
    const down = await rclone(['copy', remote, join(dir, 'down')], env);
    expect(down.code, down.out).toBe(0);
    for (const [i, f] of TREE.entries()) {
      // The server keeps names in NFC: the decomposed name comes back composed.
      const back = await readFile(join(dir, 'down', f.path.normalize('NFC')));
      expect(back.equals(bytes(f.size, i + 1)), f.path).toBe(true);
    }
    // Deleting remotely through rclone sends files to the trash; the listing no longer shows them.
    const purge = await rclone(['delete', `${remote}/many`], env);
    expect(purge.code, purge.out).toBe(0);
    const listed = await rclone(['lsf', '-R', remote], env);
    expect(listed.out).not.toContain('file-0.dat');
    expect(listed.out).toContain('leaf.bin');
  });
});
