import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bannerOf, spawnKura } from './serve.js';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

/**
 * A production install, as a user does it: `npm pack` in the repository, then in an empty
 * folder `npm install --omit=dev <tarball>` and `npx kura serve`. Everything comes from the
 * npm registry (or npm's cache), except better-sqlite3's native module: its install script
 * (prebuild-install) is pointed at a local prebuild made from the module this checkout built
 * for the running Node.js, instead of downloading one or compiling for a minute.
 */
describe('production install from the npm package', () => {
  let work: string;
  let tarball: string;
  let app: string;
  let packed: string[];
  let install: { stdout: string; stderr: string };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'kura-install-'));
    // The tarball; `npm pack` runs "prepare" (tsc) here, in the repository, as publishing would.
    const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const info = (JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[])[0];
    tarball = join(work, info.filename);
    packed = info.files.map((f) => f.path);

    const prebuilds = join(work, 'prebuilds');
    await mkdir(prebuilds);
    const require = createRequire(join(ROOT, 'package.json'));
    const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
    const sqliteVersion = (JSON.parse(await readFile(join(sqliteDir, 'package.json'), 'utf8')) as { version: string }).version;
    const name = `better-sqlite3-v${sqliteVersion}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
    await exec('tar', ['-czf', join(prebuilds, name), '-C', sqliteDir, 'build/Release/better_sqlite3.node']);

    app = join(work, 'app');
    await mkdir(app);
    install = await exec('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      cwd: app,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, npm_config_better_sqlite3_local_prebuilds: prebuilds, npm_config_loglevel: 'warn' },
    });
  }, 900_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the package holds the compiled code and the deployment files, not the sources or tests', () => {
    for (const f of ['package.json', 'README.md', 'bin/kura.js', 'dist/cli/main.js', 'dist/server.js', 'dist/core/index.js', 'deploy/kura.service', 'deploy/kura.env.example']) {
      expect(packed, f).toContain(f);
    }
    expect(packed.filter((f) => /^(src|test|bench|\.ci)\//.test(f) || f.endsWith('.map') || f.endsWith('.tsbuildinfo') || f.endsWith('.ts'))).toEqual([]);
  });

  it('installs without TypeScript or dev tools, runs no build, and warns about no engine', () => {
    const output = install.stdout + install.stderr;
    expect(output).not.toMatch(/EBADENGINE|Unsupported engine|npm (warn|error) deprecated/i);
    // A script npm runs shows as "> pkg@version script" then "> command"; npm 11 only lists
    // (without running) packages whose install scripts the consumer has not approved.
    expect(output).not.toMatch(/^> .*(prepare|prepack|tsc)/m);
    const modules = join(app, 'node_modules');
    expect(existsSync(join(modules, pkg.name, 'dist', 'cli', 'main.js'))).toBe(true);
    for (const dev of ['typescript', 'vitest', 'eslint', 's3rver', '@types/node']) expect(existsSync(join(modules, dev)), dev).toBe(false);
    expect(existsSync(join(modules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
  });

  it('`npx kura serve` serves', { timeout: 300_000 }, async () => {
    const dataDir = join(work, 'data');
    const k = spawnKura(['--no-install', 'kura', 'serve'], { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' }, { command: 'npx', cwd: app, group: true });
    try {
      await k.waitFor((o) => o.includes('"banner":true'), 120_000);
      const b = bannerOf(k.records())!;
      expect(b.version).toBe(pkg.version);
      expect(await (await fetch(`${String(b.url)}/healthz`)).json()).toEqual({ status: 'ok' });
      expect((await fetch(String(b.docs))).status).toBe(200);
      const added = spawnKura(['--no-install', 'kura', 'user', 'add', 'root', '--password', 'correct horse battery', '--admin'], { DATA_DIR: dataDir }, { command: 'npx', cwd: app });
      expect(await added.exited, added.stderr()).toBe(0);
    } finally {
      await k.stop();
    }
    // SIGTERM reached Kura (through npx): it drained and exited.
    expect(k.stdout()).toContain('shutting down: draining in-flight requests');
  });
});
