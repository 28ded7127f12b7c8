import type { Kysely } from 'kysely';
import { UniqueViolation, type MetadataStore, type Repos } from '../core/index.js';
import { aclRepo, favoriteRepo } from './repos/acl.js';
import { blobRepo, derivativeRepo } from './repos/blobs.js';
import { itemRepo, versionRepo } from './repos/items.js';
import { inFlightRepo, leaseRepo } from './repos/leases.js';
import { lockRepo } from './repos/locks.js';
import { deadPropRepo } from './repos/dead-props.js';
import { pinRepo } from './repos/pins.js';
import { shareRepo } from './repos/shares.js';
import { spaceRepo } from './repos/spaces.js';
import { limitRepo, uploadRepo } from './repos/uploads.js';
import { usageRepo } from './repos/usage.js';
import { secretRepo, tokenRepo, userRepo } from './repos/users.js';
import type { Db, Schema } from './schema.js';
import { WriteListener } from './write-listener.js';

/**
 * The repositories over one handle (the database, or an open transaction), each made on
 * first use. A class with getters on its prototype: a transaction makes one small object,
 * and reading a repository stays a fast, monomorphic property access.
 */
class KyselyRepos implements Repos {
  #users?: Repos['users'];
  #tokens?: Repos['tokens'];
  #spaces?: Repos['spaces'];
  #usage?: Repos['usage'];
  #items?: Repos['items'];
  #versions?: Repos['versions'];
  #blobs?: Repos['blobs'];
  #derivatives?: Repos['derivatives'];
  #acl?: Repos['acl'];
  #favorites?: Repos['favorites'];
  #shares?: Repos['shares'];
  #uploads?: Repos['uploads'];
  #limits?: Repos['limits'];
  #leases?: Repos['leases'];
  #inFlight?: Repos['inFlight'];
  #locks?: Repos['locks'];
  #deadProps?: Repos['deadProps'];
  #pins?: Repos['pins'];
  #secrets?: Repos['secrets'];

  constructor(protected readonly db: Db) {}

  get users() {
    return (this.#users ??= userRepo(this.db));
  }
  get tokens() {
    return (this.#tokens ??= tokenRepo(this.db));
  }
  get spaces() {
    return (this.#spaces ??= spaceRepo(this.db));
  }
  get usage() {
    return (this.#usage ??= usageRepo(this.db));
  }
  get items() {
    return (this.#items ??= itemRepo(this.db));
  }
  get versions() {
    return (this.#versions ??= versionRepo(this.db));
  }
  get blobs() {
    return (this.#blobs ??= blobRepo(this.db));
  }
  get derivatives() {
    return (this.#derivatives ??= derivativeRepo(this.db));
  }
  get acl() {
    return (this.#acl ??= aclRepo(this.db));
  }
  get favorites() {
    return (this.#favorites ??= favoriteRepo(this.db));
  }
  get shares() {
    return (this.#shares ??= shareRepo(this.db));
  }
  get uploads() {
    return (this.#uploads ??= uploadRepo(this.db));
  }
  get limits() {
    return (this.#limits ??= limitRepo(this.db));
  }
  get leases() {
    return (this.#leases ??= leaseRepo(this.db));
  }
  get inFlight() {
    return (this.#inFlight ??= inFlightRepo(this.db));
  }
  get locks() {
    return (this.#locks ??= lockRepo(this.db));
  }
  get deadProps() {
    return (this.#deadProps ??= deadPropRepo(this.db));
  }
  get pins() {
    return (this.#pins ??= pinRepo(this.db));
  }
  get secrets() {
    return (this.#secrets ??= secretRepo(this.db));
  }
}

/** True when `e` is a unique-constraint violation on either database. */
function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Deadlock or serialisation failure (PostgreSQL). */
const isRetryable = (e: unknown): boolean => ['40P01', '40001'].includes((e as { code?: string })?.code ?? '');

/** The core's metadata store over a Kysely database (SQLite or PostgreSQL). */
class KyselyStore extends KyselyRepos implements MetadataStore {
  readonly #listeners: (() => void)[];

  private constructor(db: Db, listeners: (() => void)[]) {
    super(db);
    this.#listeners = listeners;
  }

  static over(base: Kysely<Schema>): MetadataStore {
    const listeners: (() => void)[] = [];
    // Every write, through whichever handle or transaction, tells the listeners.
    return new KyselyStore(base.withPlugin(new WriteListener(() => listeners.forEach((l) => l()))), listeners);
  }

  async transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await (this.db as Kysely<Schema>).transaction().execute((trx) => fn(new KyselyRepos(trx)));
      } catch (e) {
        // PostgreSQL chose this transaction as a deadlock victim (or could not serialise
        // it): nothing of it was kept, so it runs again.
        if (isRetryable(e) && attempt < 4) continue;
        throw isUniqueViolation(e) ? new UniqueViolation(e) : e;
      }
    }
  }

  onWrite(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('users').select('id').limit(1).execute();
  }
}

export const metadataStore = (base: Kysely<Schema>): MetadataStore => KyselyStore.over(base);
