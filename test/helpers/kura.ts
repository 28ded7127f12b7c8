import { mkdtemp, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Env, type KuraConfig } from '../../src/config.js';
import type { OpenCore } from '../../src/runtime.js';
import type { DialectFactory } from '../../src/http/shared/dialect.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { freshPostgresUrl, type Backend } from './backends.js';
import { testClock, type TestClock } from './clock.js';
import { FLOOR_COST, testPasswordHash } from './password.js';

export { testClock, type TestClock };

export interface TestUser {
  id: number;
  username: string;
  token: string;
  rootId: number;
  spaceId: number;
  /** Authorization header for fetch. */
  auth: Record<string, string>;
}

export interface TestKura {
  url: string;
  core: OpenCore;
  config: KuraConfig;
  dataDir: string;
  server: RunningServer;
  user(name?: string, opts?: { admin?: boolean }): Promise<TestUser>;
  stop(): Promise<void>;
}

let counter = 0;

/**
 * A real Kura server on a loopback port, on a fresh data directory (and database).
 * `dialects` replaces the mounted dialects (default: all of them); `log` receives the
 * server's log lines at LOG_LEVEL (default: none); `clock` replaces the core's clock.
 */
export async function startKura(backend: Backend, env: Env = {}, opts: { dialects?: readonly DialectFactory[]; log?: Writable; clock?: TestClock } = {}): Promise<TestKura> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kura-test-'));
  const databaseUrl = backend === 'postgres' ? await freshPostgresUrl({ migrated: true }) : undefined;
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', KURA_PASSWORD_COST: FLOOR_COST, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...env });
  const server = await startServer(config, { logger: opts.log ? { stream: opts.log } : false, dialects: opts.dialects, now: opts.clock?.now });
  const core = server.core;
  return {
    url: server.url,
    core,
    config,
    dataDir,
    server,
    async user(name, opts = {}) {
      const username = name ?? `user${++counter}_${process.pid}`;
      const u = await core.users.create({ username, passwordHash: await testPasswordHash(), role: opts.admin ? 'admin' : 'user', email: `${username}@example.test`, realName: `Real ${username}` });
      const { token } = await core.tokens.create(u.id, { label: 'test' });
      const [space] = await core.spaces.listMine({ userId: u.id, role: u.role });
      return { id: u.id, username, token, rootId: space.rootId, spaceId: space.id, auth: { authorization: `Bearer ${token}` } };
    },
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
