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
 * The one rate limiter: fixed windows counted in the database (one upsert per event), so
 * every node sees the same counts; nothing lives in process memory. Old windows are pruned
 * by GC. A refusal is KuraError('rate_limited') with `retryAfter` (seconds) in its details,
 * which dialects send as `Retry-After`.
 */
export class RateLimiter {
  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number,
    /** Told the rule's name at each refusal (the node's metrics count them). */
    private readonly onRefusal: (rule: string) => void = () => {},
  ) {}

  private window(rule: Rule): { start: number; retryAfter: number } {
    const now = this.now();
    const start = Math.floor(now / rule.windowMs) * rule.windowMs;
    return { start, retryAfter: Math.max(1, Math.ceil((start + rule.windowMs - now) / 1000)) };
  }

  private refusal(rule: Rule, retryAfter: number): KuraError {
    this.onRefusal(rule.name);
    return new KuraError('rate_limited', rule.message, { retryAfter });
  }

  /** Counts one event for `subject`; throws rate_limited once the count passes the limit. */
  async hit(rule: Rule, subject: string): Promise<void> {
    const w = this.window(rule);
    if ((await this.store.limits.hit(`${rule.name}:${subject}`, w.start)) > rule.limit) throw this.refusal(rule, w.retryAfter);
  }

  /** Counts one event for `subject` without refusing it (the next check() will). */
  async record(rule: Rule, subject: string): Promise<void> {
    await this.store.limits.hit(`${rule.name}:${subject}`, this.window(rule).start);
  }

  /** Throws rate_limited when `subject` has used up its events in this window (counts nothing). */
  async check(rule: Rule, subject: string): Promise<void> {
    const w = this.window(rule);
    if ((await this.store.limits.count(`${rule.name}:${subject}`, w.start)) >= rule.limit) throw this.refusal(rule, w.retryAfter);
  }

  /** Drops windows older than an hour (no rule's window is longer). */
  async prune(): Promise<void> {
    await this.store.limits.prune(this.now() - 3600_000);
  }
}
