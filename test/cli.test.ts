import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshPostgresUrl } from './helpers/backends.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'kura.js');

describe.each(backends)('kura CLI (%s)', (backend) => {
  let env: Record<string, string>;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kura-cli-'));
    env = { DATA_DIR: dataDir, ...(backend === 'postgres' ? { DATABASE_URL: await freshPostgresUrl() } : {}) };
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  const kura = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });

  it('adds, lists, re-passwords and removes users', async () => {
    const add = await kura('user', 'add', 'ann', '--password', 'ann-password-1', '--admin', '--email', 'ann@example.test', '--real-name', 'Ann A', '--json');
    expect(add.code, add.stderr).toBe(0);
    const ann = JSON.parse(add.stdout);
    expect(ann).toMatchObject({ username: 'ann', role: 'admin', email: 'ann@example.test', realName: 'Ann A' });
    expect((await kura('user', 'add', 'ben', '--password', 'ben-password-1')).code).toBe(0);
    const list = JSON.parse((await kura('user', 'list', '--json')).stdout);
    expect(list.map((u: { username: string }) => u.username)).toEqual(['ann', 'ben']);
    expect((await kura('user', 'list')).stdout).toMatch(/ann\s+admin/);
    expect((await kura('user', 'passwd', 'ben', '--password', 'new-password-2')).code).toBe(0);
    const dup = await kura('user', 'add', 'ann', '--password', 'whatever-long');
    expect(dup.code).not.toBe(0);
    expect(dup.stderr.trim().split('\n')).toHaveLength(1);
    expect(dup.stderr).toMatch(/already exists/);
    const noPw = await kura('user', 'add', 'cat');
    expect(noPw.code).not.toBe(0);
    expect(noPw.stderr).toMatch(/password/);
    const weak = await kura('user', 'add', 'dan', '--password', 'short');
    expect(weak.code).not.toBe(0);
    expect((await kura('user', 'remove', 'ben')).code).toBe(0);
    expect((await kura('user', 'remove', 'ben')).code).not.toBe(0);
  });

  it('creates tokens that print only the secret, lists and revokes them', async () => {
    const t = await kura('token', 'create', 'ann', '--label', 'ci', '--expires', '30d');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^kura_[A-Za-z0-9_-]+\n$/);
    const list = JSON.parse((await kura('token', 'list', 'ann', '--json')).stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ label: 'ci' });
    expect(list[0].expiresAt).toBeGreaterThan(Date.now() + 29 * 86400e3);
    expect((await kura('token', 'revoke', String(list[0].id))).code).toBe(0);
    expect(JSON.parse((await kura('token', 'list', 'ann', '--json')).stdout)).toHaveLength(0);
    expect((await kura('token', 'create', 'ann', '--expires', 'soon')).code).not.toBe(0);
    expect((await kura('token', 'create', 'nobody')).code).not.toBe(0);
    expect((await kura('token', 'revoke', 'abc')).code).not.toBe(0);
  });

  it('creates spaces, manages members and quotas', async () => {
    await kura('user', 'add', 'eve', '--password', 'eve-password-1');
    const c = await kura('space', 'create', '--kind', 'project', '--name', 'Rocket', '--owner', 'ann', '--json');
    expect(c.code, c.stderr).toBe(0);
    const space = JSON.parse(c.stdout);
    expect(space).toMatchObject({ kind: 'project', name: 'Rocket', id: expect.any(Number), rootId: expect.any(Number) });
    const m = await kura('space', 'members', 'add', String(space.id), 'eve', '--role', 'viewer', '--json');
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ username: 'eve', role: 'viewer' })]));
    const q = await kura('space', 'quota', String(space.id), '--bytes', '1GiB', '--files', '100', '--json');
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout).quota).toEqual({ bytes: 1024 ** 3, files: 100 });
    expect((await kura('space', 'members', 'remove', String(space.id), 'eve')).code).toBe(0);
    expect((await kura('space', 'create', '--kind', 'castle', '--name', 'x', '--owner', 'ann')).code).not.toBe(0);
    expect((await kura('space', 'quota', '999', '--bytes', 'lots')).code).not.toBe(0);
  });

  it('fsck finds no problem in a clean store, then reports a corrupted blob', async () => {
    const ok = await kura('fsck', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, problems: [] });
    // Store a file through the core, then corrupt its bytes on disk.
    const { openCore } = await import('../src/runtime.js');
    const { loadConfig } = await import('../src/config.js');
    const core = await openCore(loadConfig(env));
    const ann = await core.users.byName('ann');
    const [space] = await core.spaces.listMine({ userId: ann.id, role: 'admin' });
    const { Readable } = await import('node:stream');
    const item = await core.uploads.upload({ userId: ann.id, role: 'admin' }, space.rootId, { name: 'x.txt', stream: Readable.from([Buffer.from('precious bytes')]) });
    await core.close();
    const blobFile = join(dataDir, 'blobs', 'objects', item.sha256!.slice(0, 2), item.sha256!.slice(2, 4), item.sha256!);
    await writeFile(blobFile, 'rotten bytes!!');
    const bad = await kura('fsck', '--json');
    expect(bad.code).toBe(3);
    const report = JSON.parse(bad.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ hash: item.sha256, problem: 'hash_mismatch' })]);
    expect((await kura('fsck')).stdout).toMatch(/hash_mismatch/);
    expect(await readdir(join(dataDir, 'blobs', 'objects'))).not.toHaveLength(0);
  });

  it('fails with one clear line naming the variable on invalid configuration', async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, 'user', 'list'], { env: { ...process.env, ...env, PORT: 'eighty' } });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code: code ?? -1, stderr }));
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/PORT/);
  });
});
