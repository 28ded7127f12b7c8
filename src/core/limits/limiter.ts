import { KuraError } from '../errors.js';
import type { MetadataStore } from '../ports/index.js';

/** A limit: at most `limit` events per `windowMs` for one key. */
export interface Rule {
  /** Names the counter (e.g. `public-miss`); keys are `<name>:<subject>`. */
  name: string;
  limit: number;
  windowMs: number;
  /** What the refusal says. */
  message: string;
}

/**
 * The one rate limiter, counted in the database (one upsert per event, in fixed windows),
 * so every node sees the same counts; nothing lives in process memory. A subject's count
 * is the sliding-window estimate: this window's events plus the previous window's, weighted
 * by how much of it still lies within one window of now, rounded up. With fixed windows
 * alone, events on both sides of a window's edge counted apart: a client could make twice
 * the limit in a moment. Old windows are pruned by GC. A refusal is
 * KuraError('rate_limited') with `retryAfter` (seconds) in its details, which dialects send
 * as `Retry-After`.
 */
export class RateLimiter {
  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number,
    /** Told the rule's name at each refusal (the node's metrics count them). */
    private readonly onRefusal: (rule: string) => void = () => {},
  ) {}

  private window(rule: Rule): { start: number; retryAfter: number; previousWeight: number } {
    const now = this.now();
    const start = Math.floor(now / rule.windowMs) * rule.windowMs;
    return { start, retryAfter: Math.max(1, Math.ceil((start + rule.windowMs - now) / 1000)), previousWeight: 1 - (now - start) / rule.windowMs };
  }

  /** The sliding-window count, given this window's count. */
  private async estimate(key: string, w: { start: number; previousWeight: number }, current: number, rule: Rule): Promise<number> {
    if (w.previousWeight <= 0) return current;
    const previous = await this.store.limits.count(key, w.start - rule.windowMs);
    return current + Math.ceil(previous * w.previousWeight - 1e-9);
  }

  private refusal(rule: Rule, retryAfter: number): KuraError {
    this.onRefusal(rule.name);
    return new KuraError('rate_limited', rule.message, { retryAfter });
  }

  /** Counts one event for `subject`; throws rate_limited once the count passes the limit. */
  async hit(rule: Rule, subject: string): Promise<void> {
    const key = `${rule.name}:${subject}`;
    const w = this.window(rule);
    const current = await this.store.limits.hit(key, w.start);
    if ((await this.estimate(key, w, current, rule)) > rule.limit) throw this.refusal(rule, w.retryAfter);
  }

  /** Counts one event for `subject` without refusing it (the next check() will). */
  async record(rule: Rule, subject: string): Promise<void> {
    await this.store.limits.hit(`${rule.name}:${subject}`, this.window(rule).start);
  }

  /** Throws rate_limited when `subject` has used up its events (counts nothing). */
  async check(rule: Rule, subject: string): Promise<void> {
    const key = `${rule.name}:${subject}`;
    const w = this.window(rule);
    const current = await this.store.limits.count(key, w.start);
    if ((await this.estimate(key, w, current, rule)) >= rule.limit) throw this.refusal(rule, w.retryAfter);
  }

  /** Drops windows older than an hour (no rule's window is longer). */
  async prune(): Promise<void> {
    await this.store.limits.prune(this.now() - 3600_000);
  }
}
