import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig, type Env, type KuraConfig } from '../../src/config.js';
import type { Actor, Item } from '../../src/core/index.js';
import { openCore, type OpenCore } from '../../src/runtime.js';
import { freshPostgresUrl, type Backend } from './backends.js';
import { testClock, type TestClock } from './clock.js';
import { FLOOR_COST, testPasswordHash } from './password.js';

/** A user made through the core: its actor, personal space and root folder. */
export interface CoreUser {
  id: number;
  username: string;
  actor: Actor;
  spaceId: number;
  rootId: number;
}

/** The core alone, below HTTP: rules are tested here (rights, visibility, quotas, expiry…). */
export interface CoreUnderTest {
  core: OpenCore;
  config: KuraConfig;
  clock: TestClock;
  dataDir: string;
  /** A Kura admin (quotas, other people's spaces). */
  admin: CoreUser;
  user(name?: string, opts?: { admin?: boolean }): Promise<CoreUser>;
  /** A file of `data` uploaded by `who` into `folderId` (default: its root). */
  file(who: CoreUser, name: string, data: string | Buffer, folderId?: number): Promise<Item>;
  /**
   * Another core on the same database and blob store, as a second node would be (same
   * clock); closed with this one. Needs `{ onDisk: true }` on SQLite (memory is one process's).
   */
  another(): Promise<OpenCore>;
  close(): Promise<void>;
}

let counter = 0;

/**
 * The whole core on real ports without HTTP: SQLite in memory (or a fresh PostgreSQL
 * database), the local blob store in a temporary folder, the real image engine (loaded on
 * first use) and an injected clock. `env` sets configuration as `kura serve` reads it.
 */
export async function startCore(backend: Backend = 'sqlite', env: Env = {}, opts: { onDisk?: boolean } = {}): Promise<CoreUnderTest> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kura-core-'));
  const databaseUrl = backend === 'postgres' ? await freshPostgresUrl({ migrated: true }) : undefined;
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', KURA_PASSWORD_COST: FLOOR_COST, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...env });
  const clock = testClock();
  const inMemory = !databaseUrl && !opts.onDisk;
  const core = await openCore(config, { now: clock.now, memoryDatabase: inMemory, images: 'lazy' });
  const others: OpenCore[] = [];
  const user = async (name?: string, opts: { admin?: boolean } = {}): Promise<CoreUser> => {
    const username = name ?? `u${++counter}_${process.pid}`;
    const u = await core.users.create({ username, passwordHash: await testPasswordHash(), role: opts.admin ? 'admin' : 'user' });
    const actor: Actor = { userId: u.id, role: u.role };
    const [space] = await core.spaces.listMine(actor);
    return { id: u.id, username, actor, spaceId: space.id, rootId: space.rootId };
  };
  return {
    core,
    config,
    clock,
    dataDir,
    admin: await user(undefined, { admin: true }),
    user,
    file(who, name, data, folderId) {
      return core.uploads.upload(who.actor, folderId ?? who.rootId, { name, stream: Readable.from([Buffer.from(data)]) });
    },
    async another() {
      if (inMemory) throw new Error('startCore(…, { onDisk: true }) for a second core on SQLite');
      const other = await openCore(config, { now: clock.now, images: 'lazy' });
      others.push(other);
      return other;
    },
    async close() {
      for (const o of others) await o.close();
      await core.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
