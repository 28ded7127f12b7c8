import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshPostgresUrl } from './helpers/backends.js';
import { kuraCommand } from './helpers/cli.js';
import { testPasswordHash } from './helpers/password.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'kura.js');

describe.each(backends)('kura CLI (%s)', { timeout: 240_000 }, (backend) => {
  let env: Record<string, string>;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kura-cli-'));
    env = { DATA_DIR: dataDir, ...(backend === 'postgres' ? { DATABASE_URL: await freshPostgresUrl() } : {}) };
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  /** The command in this process (helpers/cli.ts); `spawned` runs the real binary. */
  const kura = (...args: string[]) => kuraCommand(args, env);
  const spawned = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });

  const lastLine = (s: string) => s.trim().split('\n').filter((l) => !l.startsWith('kura: using ')).join('\n');

  it('refuses to create a new, empty database unless asked to, and says which one it uses', async () => {
    const r = await kura('user', 'list');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`kura: using data directory ${dataDir}`);
    expect(r.stderr).toMatch(backend === 'postgres' ? /database PostgreSQL 127\.0\.0\.1:5432\// : /database SQLite /);
    expect(r.stderr).toMatch(/no Kura (database|tables)/);
    expect(r.stderr).toMatch(/DATA_DIR/);
    if (backend === 'sqlite') expect(await readdir(dataDir)).toEqual([]);
    const j = await kura('user', 'list', '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(lastLine(j.stderr))).toEqual({ error: { code: 'not_found', message: expect.stringMatching(/no Kura/) } });
    const first = await kura('user', 'add', 'nobody-yet', '--password', 'whatever-long-1');
    expect(first.code).toBe(1);
  });

  it('prints its version, from the binary too, and its exit codes reach the shell', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    for (const v of [await kura('--version'), await spawned('--version')]) {
      expect(v.code).toBe(0);
      expect(v.stdout.trim()).toBe(pkg.version);
    }
    const missing = await spawned('user', 'list', '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(lastLine(missing.stderr))).toMatchObject({ error: { code: 'not_found' } });
    expect((await spawned('no-such-command')).code).toBe(2);
  });

  it('adds, lists, re-passwords and removes users', async () => {
    const add = await kura('user', 'add', 'ann', '--password', 'ann-password-1', '--admin', '--email', 'ann@example.test', '--real-name', 'Ann A', '--init', '--json');
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
    expect(lastLine(dup.stderr).split('\n')).toHaveLength(1);
    expect(dup.stderr).toMatch(/already exists/);
    const noPw = await kura('user', 'add', 'cat');
    expect(noPw.code).not.toBe(0);
    expect(noPw.stderr).toMatch(/password/);
    const weak = await kura('user', 'add', 'dan', '--password', 'short');
    expect(weak.code).not.toBe(0);
    const ask = await kura('user', 'remove', 'ben');
    expect(ask.code).toBe(1);
    expect(ask.stderr).toMatch(/--yes/);
    expect(JSON.parse((await kura('user', 'list', '--json')).stdout)).toHaveLength(2);
    const gone = await kura('user', 'remove', 'ben', '--yes');
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).toMatch(/removed user ben \(id \d+\): its personal space with 0 files \(0 B, trash included\) for good; 0 tokens/);
    expect((await kura('user', 'remove', 'ben', '--yes')).code).not.toBe(0);
    const json = await kura('user', 'remove', 'ben', '--yes', '--json');
    expect(JSON.parse(lastLine(json.stderr))).toMatchObject({ error: { code: 'not_found' } });
  });

  it('adds a user from an argon2id hash (--password-hash), refusing a weak or a second secret', async () => {
    const hash = await testPasswordHash();
    const add = await kura('user', 'add', 'hal', '--password-hash', hash, '--json');
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ username: 'hal', role: 'user' });
    const weak = await kura('user', 'add', 'ian', '--password-hash', hash.replace('t=2', 't=1'));
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/too weak/);
    const both = await kura('user', 'add', 'ian', '--password-hash', hash, '--password', 'ian-password-1');
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/not both/);
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
    await kura('user', 'add', 'eve', '--password-hash', await testPasswordHash());
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
    expect(report.problems).toEqual([
      expect.objectContaining({ hash: item.sha256, problem: 'hash_mismatch', affects: [{ spaceId: space.id, space: space.name, path: '/x.txt', itemId: item.id }] }),
    ]);
    const text = (await kura('fsck')).stdout;
    expect(text).toMatch(/hash_mismatch/);
    expect(text).toContain(`affects "/x.txt" in space "${space.name}"`);
    expect(await readdir(join(dataDir, 'blobs', 'objects'))).not.toHaveLength(0);
  });

  it('names spaces and users by name or id, shows human units, transfers and deletes spaces', async () => {
    expect((await kura('user', 'add', 'kim', '--password-hash', await testPasswordHash())).code).toBe(0);
    expect((await kura('user', 'add', 'lee', '--password-hash', await testPasswordHash())).code).toBe(0);
    const made = JSON.parse((await kura('space', 'create', '--kind', 'group', '--name', 'Crew', '--owner', 'kim', '--json')).stdout);
    expect((await kura('space', 'quota', 'Crew', '--bytes', '10GiB')).stdout).toMatch(/space "Crew" \(group, id \d+\) owned by kim: 0 B of 10 GiB, 0 files \(no limit\)/);
    const lee = JSON.parse((await kura('user', 'list', '--json')).stdout).find((u: { username: string }) => u.username === 'lee');
    const add = await kura('space', 'members', 'add', 'Crew', String(lee.id), '--role', 'member');
    expect(add.code, add.stderr).toBe(0);
    const members = await kura('space', 'members', 'list', String(made.id));
    expect(members.stdout).toMatch(/kim\s+owner/);
    expect(members.stdout).toMatch(/lee\s+member/);
    const list = await kura('space', 'list', '--kind', 'group');
    expect(list.stdout).toMatch(new RegExp(`${made.id}\\s+Crew\\s+group\\s+kim\\s+0 B of 10 GiB`));
    expect((await kura('space', 'show', 'Nowhere')).stderr).toMatch(/no space named or numbered "Nowhere"/);

    // Some content, through the core, so deletion has something to keep.
    const { openCore } = await import('../src/runtime.js');
    const { loadConfig } = await import('../src/config.js');
    const { Readable } = await import('node:stream');
    let core = await openCore(loadConfig(env));
    const kim = await core.users.byName('kim');
    const actor = { userId: kim.id, role: 'user' as const };
    const folder = await core.changes.createFolder(actor, made.rootId, 'docs');
    await core.uploads.upload(actor, folder.id, { name: 'plan.txt', stream: Readable.from([Buffer.from('the plan, 23 bytes long')]) });
    await core.close();

    // kim owns a group space: removal is refused, with the way out.
    const refused = await kura('user', 'remove', 'kim', '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/owns "Crew" \(group, id \d+\).*kura space transfer/);
    const t = await kura('space', 'transfer', 'Crew', 'lee');
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/space "Crew" now belongs to lee \(kim stays as admin\)/);
    const after = JSON.parse((await kura('space', 'members', 'list', 'Crew', '--json')).stdout);
    expect(after).toEqual(expect.arrayContaining([expect.objectContaining({ username: 'lee', role: 'owner' }), expect.objectContaining({ username: 'kim', role: 'admin' })]));
    expect((await kura('space', 'transfer', 'Crew', 'nobody')).code).toBe(1);
    const personal = JSON.parse((await kura('space', 'list', '--kind', 'personal', '--json')).stdout).find((s: { owner: string }) => s.owner === 'lee');
    expect((await kura('space', 'transfer', String(personal.id), 'kim')).stderr).toMatch(/personal space/);

    // Deleting keeps the content in the new owner's personal trash, counted there.
    expect((await kura('space', 'delete', 'Crew')).stderr).toMatch(/--yes/);
    const del = await kura('space', 'delete', 'Crew', '--yes');
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toMatch(/deleted space "Crew" \(group, id \d+\) with 1 file \(23 B\): its content goes to the trash of lee's personal space as a folder "Crew"/);
    expect((await kura('space', 'show', String(made.id))).code).toBe(1);
    core = await openCore(loadConfig(env));
    const leeActor = { userId: lee.id, role: 'user' as const };
    const trash = await core.trash.list(leeActor, personal.id);
    expect(trash.map((i) => i.name)).toEqual(['Crew']);
    expect((await core.spaces.get(leeActor, personal.id)).usage).toEqual({ bytes: 23, files: 1, reserved: 0, reservedFiles: 0 });
    const restored = await core.trash.restore(leeActor, trash[0].id);
    const docs = (await core.items.children(leeActor, restored.id)).items.find((i) => i.name === 'docs')!;
    expect((await core.items.children(leeActor, docs.id)).items.map((i) => i.name)).toEqual(['plan.txt']);
    await core.close();
    const fsck = await kura('fsck', '--json');
    expect(JSON.parse(fsck.stdout).problems.filter((p: { problem: string }) => p.problem === 'usage_mismatch')).toEqual([]);

    // With --purge the content goes for good.
    const gone = JSON.parse((await kura('space', 'create', '--kind', 'project', '--name', 'Gone', '--owner', 'lee', '--json')).stdout);
    const purged = await kura('space', 'delete', String(gone.id), '--purge', '--yes', '--json');
    expect(JSON.parse(purged.stdout)).toMatchObject({ id: gone.id, deleted: true, files: 0 });
    expect((await kura('space', 'delete', String(personal.id), '--yes')).stderr).toMatch(/remove the user instead/);
  });

  it('changes a password and revokes every token, says what gc leaves for later', async () => {
    expect((await kura('token', 'create', 'lee')).code).toBe(0);
    expect((await kura('token', 'create', 'lee')).code).toBe(0);
    const r = await kura('user', 'passwd', 'lee', '--password', 'lee-password-2', '--revoke-tokens');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/password of lee changed; 2 tokens revoked/);
    expect(JSON.parse((await kura('token', 'list', 'lee', '--json')).stdout)).toEqual([]);
    // Content deleted for good just now is unreferenced but young: it waits out the grace period.
    const { openCore } = await import('../src/runtime.js');
    const { loadConfig } = await import('../src/config.js');
    const { Readable } = await import('node:stream');
    const core = await openCore(loadConfig(env));
    const lee = await core.users.byName('lee');
    const actor = { userId: lee.id, role: 'user' as const };
    const [space] = await core.spaces.listMine(actor);
    const file = await core.uploads.upload(actor, space.rootId, { name: 'soon-gone.bin', stream: Readable.from([Buffer.alloc(3000, 7)]) });
    await core.changes.trash(actor, file.id);
    await core.trash.purge(actor, file.id);
    await core.close();
    const gc = await kura('gc');
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toMatch(/^freed \d+(\.\d)? (B|KiB): \d+ unreferenced blobs? deleted/);
    expect(gc.stdout).toMatch(/\d\.\d KiB in \d+ blobs? waits out the grace period \(KURA_GC_GRACE_SECONDS\)/);
    expect(JSON.parse((await kura('gc', '--json')).stdout)).toMatchObject({ waiting: { blobs: expect.any(Number), bytes: expect.any(Number) } });
  });

  it('makes read-only tokens, lists and breaks locks', async () => {
    expect((await kura('user', 'add', 'rita', '--password-hash', await testPasswordHash())).code).toBe(0);
    const t = await kura('token', 'create', 'rita', '--read-only', '--label', 'viewer', '--json');
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ label: 'viewer', readOnly: true, token: expect.stringMatching(/^kura_/) });
    expect((await kura('token', 'list', 'rita')).stdout).toMatch(/viewer .* read-only/);
    // A lock taken through the core (as the APIs do), then seen and broken by the operator.
    const { openCore } = await import('../src/runtime.js');
    const { loadConfig } = await import('../src/config.js');
    const { Readable } = await import('node:stream');
    const core = await openCore(loadConfig(env));
    const rita = await core.users.byName('rita');
    const actor = { userId: rita.id, role: 'user' as const };
    const [space] = await core.spaces.listMine(actor);
    const file = await core.uploads.upload(actor, space.rootId, { name: 'locked.txt', stream: Readable.from([Buffer.from('x')]) });
    const lock = await core.locks.take(actor, file.id, {});
    await core.close();
    const list = await kura('lock', 'list', String(file.id), '--json');
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject([{ token: lock.token, itemId: file.id, ownerId: rita.id }]);
    const broke = await kura('lock', 'break', String(file.id));
    expect(broke.code, broke.stderr).toBe(0);
    expect(broke.stdout).toMatch(new RegExp(`broke 1 lock on item ${file.id}`));
    expect((await kura('lock', 'list', String(file.id))).stdout).toMatch(/no lock applies/);
    expect((await kura('lock', 'break', String(file.id))).code).toBe(1);
    expect((await kura('lock', 'break', 'nope')).code).toBe(1);
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
