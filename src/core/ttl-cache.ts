/**
 * A small bounded cache with time-to-live, in insertion order (oldest evicted first).
 * Used only for data that may be stale for its TTL on other nodes (resolved tokens) or
 * that never changes (content by hash).
 */
export class TtlCache<K, V> {
  private readonly map = new Map<K, { value: V; until: number }>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.until <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Stores `value` for the cache's TTL, or until `notAfter` (a time by `now`) if that is sooner. */
  set(key: K, value: V, notAfter = Infinity): void {
    const until = Math.min(this.now() + this.ttlMs, notAfter);
    if (this.ttlMs <= 0 || until <= this.now()) return;
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, { value, until });
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }
}
