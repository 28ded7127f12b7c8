import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { startKura, type TestKura, type TestUser } from '../helpers/kura.js';
import { TEST_PASSWORD } from '../helpers/password.js';

const LITMUS = '/usr/bin/litmus';
const hasLitmus = existsSync(LITMUS);
const title = hasLitmus ? 'litmus against /dav (%s)' : `litmus against /dav (%s): SKIPPED because ${LITMUS} is absent (apt-get install -y litmus; .ci/run installs it)`;

/** The suites of classes 1 and 2 and their outcome lines: `<- summary for `basic': of 16 tests run: 16 passed, 0 failed.` */
const SUITES = ['basic', 'copymove', 'props', 'locks', 'http'];

describe.skipIf(!hasLitmus).each(backends)(title, (backend) => {
  let k: TestKura;
  let u: TestUser;
  let cwd: string;
  beforeAll(async () => {
    k = await startKura(backend);
    u = await k.user();
    cwd = await mkdtemp(join(tmpdir(), 'kura-litmus-'));
  });
  afterAll(async () => {
    await k?.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  it('passes basic, copymove, props, locks and http with no failure, warning or skipped test', async () => {
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      const args = ['-k', `${k.url}/dav/${encodeURIComponent(u.username)}/`, u.username, TEST_PASSWORD];
      execFile(LITMUS, args, { cwd, env: { ...process.env, TESTS: SUITES.join(' ') }, timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}` });
      });
    });
    const out = r.out;
    for (const suite of SUITES) expect(out, out).toMatch(new RegExp(`summary for \`${suite}': of (\\d+) tests run: \\1 passed, 0 failed`));
    expect(out).not.toMatch(/FAIL|WARNING|SKIPPED/);
    expect(r.code, out).toBe(0);
  });
});
