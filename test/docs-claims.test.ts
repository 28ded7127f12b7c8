import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { backends, freshPostgresUrl } from './helpers/backends.js';
import { json, uploadOne } from './helpers/http.js';
import { startKura, type TestKura, type TestUser } from './helpers/kura.js';
import { run } from './helpers/process.js';
import { ok as onebot, onServer } from './onebot/client.js';

/** Issue 20, item 19: what the docs tell people to type, and what they say numbers mean. */
const ROOT = join(import.meta.dirname, '..');
const read = (p: string) => readFile(join(ROOT, p), 'utf8');

/** Every `kura space create …` in the docs' code blocks (comments included), as arguments. */
async function documentedSpaceCreates(): Promise<{ where: string; args: string[] }[]> {
  const files = ['README.md', ...(await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out: { where: string; args: string[] }[] = [];
  for (const file of files) {
    const blocks = [...(await read(file)).matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
    for (const line of blocks.flatMap((b) => b.split('\n'))) {
      const m = /kura space create ([^|)\n]*)/.exec(line);
      if (!m) continue;
      const args = [...m[1].trim().matchAll(/"([^"]*)"|(\S+)/g)].map((a) => a[1] ?? a[2]);
      out.push({ where: `${file}: ${m[0].trim()}`, args: ['space', 'create', ...args] });
    }
  }
  return out;
}

describe.each(backends)('documented commands run (%s)', (backend) => {
  let env: Record<string, string>;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kura-docs-'));
    env = { DATA_DIR: dataDir, ...(backend === 'postgres' ? { DATABASE_URL: await freshPostgresUrl() } : {}) };
    const alice = await run(['user', 'add', 'alice', '--password', 'correct horse battery', '--init'], env);
    expect(alice.code, alice.stderr).toBe(0);
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('every `kura space create` of the docs creates its space (social.md lacked --name)', async () => {
    const commands = await documentedSpaceCreates();
    expect(commands.map((c) => c.where).join('\n')).toMatch(/docs\/social\.md: .*chat_room/);
    for (const c of commands) {
      const r = await run(c.args, env);
      expect(r.code, `${c.where}\n${r.stderr}`).toBe(0);
    }
  });

  it('a size of 10GB is 10 GiB, and the quota says so', async () => {
    const space = JSON.parse((await run(['space', 'create', '--kind', 'group', '--name', 'sized', '--owner', 'alice', '--json'], env)).stdout) as { id: number };
    const set = await run(['space', 'quota', String(space.id), '--bytes', '10GB', '--json'], env);
    expect(JSON.parse(set.stdout).quota.bytes).toBe(10 * 1024 ** 3);
    const help = await run(['space', 'quota', '--help'], env);
    expect(help.stdout).toContain('10GB = 10GiB');
  });
});

describe('sizes are binary, and the settings say so', () => {
  it('10GB, 10G and 10GiB are the same number of bytes; README and the example configuration say it', async () => {
    for (const v of ['10GB', '10G', '10GiB', '10gb']) expect(loadConfig({ UPLOAD_MAX_BYTES: v }).uploadMaxBytes, v).toBe(10 * 1024 ** 3);
    expect(await read('README.md')).toMatch(/`10GB` is 10 GiB, 10,737,418,240 bytes/);
    expect(await read('deploy/kura.env.example')).toContain('10GB = 10G = 10GiB');
    expect(() => loadConfig({ UPLOAD_MAX_BYTES: '10 gigs' })).toThrow(/units are binary: 10GB = 10GiB/);
  });
});

describe.each(backends)('downloadCount counts what the docs say (%s)', (backend) => {
  let k: TestKura;
  let u: TestUser;
  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
  });
  afterAll(() => k.stop());

  it('signed-link downloads count; the native content route does not; the OpenAPI description says so', async () => {
    const file = await uploadOne(k.url, u.auth, u.rootId, 'counted.txt', 'count me');
    const count = async () => (await json(await fetch(`${k.url}/api/v1/items/${file.id}`, { headers: u.auth }))).downloadCount as number;
    await (await fetch(`${k.url}/api/v1/items/${file.id}/content`, { headers: u.auth })).arrayBuffer();
    expect(await count()).toBe(0);
    const link = onServer(k, (await onebot(k, u, 'get_private_file_url', { file_id: String(file.id) })).url);
    expect(await (await fetch(link)).text()).toBe('count me');
    expect(await count()).toBe(1);
    const doc = await json(await fetch(`${k.url}/api/v1/openapi.json`));
    const described = JSON.stringify(doc).match(/"downloadCount":\{[^}]*"description":"([^"]*)"/)?.[1] ?? '';
    expect(described).toMatch(/signed links/);
    expect(described).toMatch(/do not count/);
    expect(await read('docs/native.md')).toMatch(/`downloadCount` of an item counts signed-link downloads only/);
  });
});
