import type SQLite from 'better-sqlite3';
import type { SqliteDialect } from 'kysely';

/** What Kysely's SQLite dialect needs of a database handle. */
export type SqliteDatabaseLike = ConstructorParameters<typeof SqliteDialect>[0]['database'] & object;

type Params = readonly unknown[];

/** A reading statement whose rows come as arrays and are made objects of one shape. */
interface ReaderStatement {
  readonly reader: true;
  all(params: Params): unknown[];
  iterate(params: Params): IterableIterator<unknown>;
  run(params: Params): SQLite.RunResult;
}

const CACHE_SIZE = 500;

/**
 * The better-sqlite3 handle as Kysely sees it, with two changes that keep the same rows:
 *
 * - Prepared statements are cached by SQL text (bounded). Kysely prepares every query anew,
 *   and preparing costs more than running a small query. better-sqlite3 runs statements
 *   synchronously, so reusing one is safe; Kysely compiles the same text for one query shape.
 * - Rows of reading statements are read as arrays (`raw` mode) and made objects by copying
 *   a template with the statement's columns. better-sqlite3 builds each row object one
 *   property at a time, and V8 turns an object built that way with 20 or more properties
 *   into a hash table: items rows have 21 columns, so 10,000 of them cost twice the time and
 *   five times the garbage collection of a copied template (decision 0048).
 */
export function sqliteStatements(sqlite: SQLite.Database): SqliteDatabaseLike {
  const cache = new Map<string, SQLite.Statement | ReaderStatement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        const prepared = sqlite.prepare(sql);
        stmt = prepared.reader ? readerOf(prepared) : prepared;
        if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

function readerOf(stmt: SQLite.Statement): ReaderStatement {
  const names = stmt.columns().map((c) => c.name);
  stmt.raw(true);
  // Later columns of the same name win, as in better-sqlite3's own row objects.
  const template: Record<string, unknown> = Object.fromEntries(names.map((n) => [n, null]));
  const row = (values: unknown[]): Record<string, unknown> => {
    const o = { ...template };
    for (let i = 0; i < names.length; i++) o[names[i]] = values[i];
    return o;
  };
  return {
    reader: true,
    all(params) {
      const rows = stmt.all(params) as unknown[][] as unknown[];
      for (let i = 0; i < rows.length; i++) rows[i] = row(rows[i] as unknown[]);
      return rows;
    },
    *iterate(params) {
      for (const values of stmt.iterate(params)) yield row(values as unknown[]);
    },
    run: (params) => stmt.run(params),
  };
}
