import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, SETTINGS, settingsTable, type Env } from '../../src/config.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFile(join(ROOT, p), 'utf8');
const KNOWN = new Set<string>(SETTINGS);
/** Variables of the other images in compose.yaml (PostgreSQL, MinIO), not Kura's. */
const STACK_INPUTS = new Set(['POSTGRES_PASSWORD', 'POSTGRES_USER', 'POSTGRES_DB', 'MINIO_ROOT_USER', 'MINIO_ROOT_PASSWORD']);

/** `KEY=value` lines; `commented` also takes `#KEY=value`. */
function envLines(text: string, commented = false): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = (commented ? /^#?([A-Z][A-Z0-9_]*)=(.*)$/ : /^([A-Z][A-Z0-9_]*)=(.*)$/).exec(line.trim());
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

describe('the list of settings', () => {
  it('loadConfig reads every declared setting, and reads them only through their declarations', async () => {
    const load = await read('src/config/load.ts');
    const reads = new Set([...load.matchAll(/\b(?:get|read)\((?:env, )?'([A-Z][A-Z0-9_]*)'\)/g)].map((m) => m[1]));
    expect([...reads].sort()).toEqual([...KNOWN].sort());
    for (const file of ['src/config.ts', 'src/config/load.ts', 'src/config/parsers.ts', 'src/config/docs.ts', 'src/config/types.ts']) {
      expect(await read(file), file).not.toMatch(/\benv\.[A-Z]|\benv\['[A-Z]|process\.env\.[A-Z]/);
    }
  });

  it("the README's table is the one rendered from the declarations: exactly the declared settings", async () => {
    const readme = await read('README.md');
    const start = readme.indexOf('| variable | default | meaning |');
    const table = readme.slice(start, readme.indexOf('\n\n', start));
    expect(table).toBe(settingsTable());
    const listed = [...table.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual([...SETTINGS]);
  });

  it('deploy/kura.env.example lists each declared setting once and nothing else, and is valid', async () => {
    const example = await read('deploy/kura.env.example');
    const listed = example
      .split('\n')
      .map((l) => /^#?([A-Z][A-Z0-9_]*)=/.exec(l.trim())?.[1])
      .filter((n): n is string => n !== undefined);
    expect([...listed].sort()).toEqual([...SETTINGS].sort());
    const set = Object.fromEntries(envLines(example));
    expect(() => loadConfig(set)).not.toThrow();
  });
});

describe('Dockerfile', () => {
  it('multi-stage, non-root, HEALTHCHECK on /healthz, DATA_DIR a volume; sets only Kura settings, valid ones', async () => {
    const text = (await read('Dockerfile')).replace(/\\\n/g, ' ');
    const lines = text.split('\n').filter((l) => !l.startsWith('#'));
    expect(lines.filter((l) => /^FROM /.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => /^COPY --from=build /.test(l))).toBe(true);
    const user = lines.filter((l) => /^USER /.test(l)).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
    const health = lines.find((l) => /^HEALTHCHECK /.test(l));
    expect(health).toMatch(/\/healthz/);
    const env: Env = {};
    for (const l of lines.filter((x) => /^ENV /.test(x))) {
      for (const m of l.slice(4).matchAll(/([A-Z][A-Z0-9_]*)=(\S+)/g)) env[m[1]] = m[2];
    }
    for (const name of Object.keys(env)) expect(KNOWN.has(name), `Dockerfile ENV ${name}`).toBe(true);
    for (const m of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)) expect(KNOWN.has(m[1]), `Dockerfile reads ${m[1]}`).toBe(true);
    const config = loadConfig(env);
    expect(config.host).toBe('0.0.0.0');
    const volume = lines.find((l) => /^VOLUME /.test(l));
    expect(volume).toContain(config.dataDir);
    // The image runs the compiled CLI, as the npm package does.
    expect(lines.find((l) => /^CMD /.test(l))).toMatch(/bin\/kura\.js", "serve"/);
  });
});

describe('compose.yaml', () => {
  it('Kura, PostgreSQL and an S3-compatible store; Kura gets only its settings, and valid ones', async () => {
    const doc = parse(await read('compose.yaml')) as { services: Record<string, { image?: string; environment?: Record<string, string>; depends_on?: unknown }> };
    const { kura, postgres, minio } = doc.services;
    expect(postgres.image).toMatch(/^postgres:/);
    expect(minio.image).toMatch(/^minio\//);
    expect(kura.depends_on).toEqual(['postgres', 'minio']);
    const inputs = envLines(await read('deploy/compose.env.example'));
    for (const name of inputs.keys()) expect(KNOWN.has(name) || STACK_INPUTS.has(name), `${name} in deploy/compose.env.example`).toBe(true);
    const env: Env = {};
    for (const [name, raw] of Object.entries(kura.environment ?? {})) {
      expect(KNOWN.has(name), `compose kura environment ${name}`).toBe(true);
      // ${VAR}, ${VAR:-default}, ${VAR:?message}, as compose interpolates them from .env.
      env[name] = String(raw).replace(/\$\{([A-Z][A-Z0-9_]*)(?::?[-?]([^}]*))?\}/g, (_m, v: string, rest: string | undefined) => {
        expect(KNOWN.has(v) || STACK_INPUTS.has(v), `compose interpolates ${v}`).toBe(true);
        expect(inputs.has(v) || rest !== undefined, `${v} has a default or is in deploy/compose.env.example`).toBe(true);
        return inputs.get(v) ?? rest ?? '';
      });
    }
    for (const svc of [postgres, minio]) for (const name of Object.keys(svc.environment ?? {})) expect(STACK_INPUTS.has(name), name).toBe(true);
    const config = loadConfig(env);
    expect(config.databaseUrl).toMatch(/@postgres:5432\/kura$/);
    expect(config.blobStore).toBe('s3');
    expect(config.s3.endpoint).toBe('http://minio:9000');
    // Listening on all interfaces, so PUBLIC_URL must be set (else the start-up warning).
    expect(config.host).toBe('0.0.0.0');
    expect(config.publicUrlSet).toBe(true);
  });
});

describe('deploy/kura.service', () => {
  it('runs the installed package as its own user, reads the example configuration, sets only Kura settings', async () => {
    const unit = await read('deploy/kura.service');
    const pkg = JSON.parse(await read('package.json')) as { name: string; bin: Record<string, string> };
    expect(unit).toMatch(/^User=kura$/m);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/kura\/kura\.env$/m);
    expect(unit).toContain(`ExecStart=/usr/bin/env node /opt/kura/node_modules/${pkg.name}/${pkg.bin.kura} serve`);
    const env: Env = {};
    for (const m of unit.matchAll(/^Environment=([A-Z][A-Z0-9_]*)=(.*)$/gm)) {
      expect(KNOWN.has(m[1]), `Environment=${m[1]}`).toBe(true);
      env[m[1]] = m[2];
    }
    expect(env.DATA_DIR).toBe('/var/lib/kura');
    expect(unit).toMatch(/^StateDirectory=kura$/m);
    expect(() => loadConfig(env)).not.toThrow();
  });

  // Issue 20, item 19: the steps named deploy/… (not where an npm install keeps it) and
  // installed into /etc/kura, which nothing made.
  it("its header's steps use the files where an npm install keeps them, and make /etc/kura first", async () => {
    const unit = await read('deploy/kura.service');
    const pkg = JSON.parse(await read('package.json')) as { name: string };
    const steps = unit
      .split('\n')
      .filter((l) => /^# {3}\S/.test(l))
      .map((l) => l.slice(4));
    const deployPaths = steps.flatMap((s) => [...s.matchAll(/(\S*)deploy\/(\S+)/g)]);
    expect(deployPaths.length).toBeGreaterThanOrEqual(2);
    for (const m of deployPaths) {
      expect(m[1], m[0]).toBe(`node_modules/${pkg.name}/`);
      expect(existsSync(join(ROOT, 'deploy', m[2])), m[0]).toBe(true);
    }
    expect(steps.findIndex((s) => s.includes('cd /opt/kura'))).toBeLessThan(steps.findIndex((s) => s.includes('deploy/')));
    const made = steps.findIndex((s) => /^(install -d\b.*|mkdir -p) \/etc\/kura\b/.test(s));
    expect(made, 'a step makes /etc/kura').toBeGreaterThanOrEqual(0);
    expect(made).toBeLessThan(steps.findIndex((s) => s.includes('/etc/kura/kura.env')));
  });
});
