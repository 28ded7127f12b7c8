import type { Kysely } from 'kysely';
import { UniqueViolation, type MetadataStore, type Repos } from '../core/index.js';
import { aclRepo, favoriteRepo } from './repos/acl.js';
import { blobRepo, derivativeRepo } from './repos/blobs.js';
import { itemRepo, versionRepo } from './repos/items.js';
import { shareRepo } from './repos/shares.js';
import { spaceRepo } from './repos/spaces.js';
import { limitRepo, uploadRepo } from './repos/uploads.js';
import { usageRepo } from './repos/usage.js';
import { tokenRepo, userRepo } from './repos/users.js';
import type { Db, Schema } from './schema.js';
import { WriteListener } from './write-listener.js';

const FACTORIES = {
  users: userRepo,
  tokens: tokenRepo,
  spaces: spaceRepo,
  usage: usageRepo,
  items: itemRepo,
  versions: versionRepo,
  blobs: blobRepo,
  derivatives: derivativeRepo,
  acl: aclRepo,
  favorites: favoriteRepo,
  shares: shareRepo,
  uploads: uploadRepo,
  limits: limitRepo,
} satisfies { [K in keyof Repos]: (db: Db) => Repos[K] };

/** The repositories over one handle (the database, or an open transaction), each made on first use. */
function reposOver(db: Db): Repos {
  const made: Partial<Record<keyof Repos, unknown>> = {};
  const repos = {} as Repos;
  for (const key of Object.keys(FACTORIES) as (keyof Repos)[]) {
    Object.defineProperty(repos, key, { enumerable: true, get: () => (made[key] ??= FACTORIES[key](db)) });
  }
  return repos;
}

/** True when `e` is a unique-constraint violation on either database. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Deadlock or serialisation failure (PostgreSQL). */
const isRetryable = (e: unknown): boolean => ['40P01', '40001'].includes((e as { code?: string })?.code ?? '');

/** The core's metadata store over a Kysely database (SQLite or PostgreSQL). */
export function metadataStore(base: Kysely<Schema>): MetadataStore {
  const listeners: (() => void)[] = [];
  // Every write, through whichever handle or transaction, tells the listeners.
  const db = base.withPlugin(new WriteListener(() => listeners.forEach((l) => l())));
  return Object.assign(reposOver(db), {
    async transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction().execute((trx) => fn(reposOver(trx)));
        } catch (e) {
          // PostgreSQL chose this transaction as a deadlock victim (or could not serialise
          // it): nothing of it was kept, so it runs again.
          if (isRetryable(e) && attempt < 4) continue;
          throw isUniqueViolation(e) ? new UniqueViolation(e) : e;
        }
      }
    },
    onWrite(listener: () => void) {
      listeners.push(listener);
    },
    async ping() {
      await db.selectFrom('users').select('id').limit(1).execute();
    },
  });
}
