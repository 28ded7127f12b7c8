import { randomBytes } from 'node:crypto';
import type { CoreConfig } from '../core-config.js';
import type { Actor } from '../actor.js';
import { KuraError } from '../errors.js';
import type { MetadataStore, SourceOpener } from '../ports/index.js';

/** A cap on work in flight: per subject over every node, and per node over every subject. */
export interface InFlightRule {
  /** Names the work (keys are `<name>:<subject>`; metrics count refusals by it). */
  name: string;
  /** Most in flight for one subject, all nodes together (permits in the database). */
  perSubject: number;
  /** Most in flight on this node, all subjects together (this process's own sockets). */
  perNode: number;
  /**
   * How long a claim lasts: longer than the work can take, so only a node that died leaves
   * a claim to lapse (there is no renewal).
   */
  leaseMs: number;
  subjectMessage: string;
  nodeMessage: string;
}

/** A held permit; `release()` gives it back (later calls do nothing). */
export interface InFlightPermit {
  release(): Promise<void>;
}

/** Seconds a refusal suggests waiting: a permit frees when some transfer ends. */
const RETRY_AFTER = 5;

/**
 * Uploads from URLs (OneBot `file` as http(s)://): each holds an outbound connection for up
 * to KURA_URL_UPLOAD_TIMEOUT_SECONDS and KURA_URL_UPLOAD_MAX_BYTES, so a caller's are capped
 * over all nodes and a node's over all callers. A claim outlives the longest transfer by a minute.
 */
export const urlFetchRule = (config: CoreConfig): InFlightRule => ({
  name: 'url-fetch',
  perSubject: config.urlUpload.perUser,
  perNode: config.urlUpload.perNode,
  leaseMs: config.urlUpload.timeoutMs + 60_000,
  subjectMessage: `at most ${config.urlUpload.perUser} uploads from URLs at once per user (KURA_URL_UPLOAD_MAX_PER_USER); try again when one has finished`,
  nodeMessage: `this server is fetching ${config.urlUpload.perNode} URLs already (KURA_URL_UPLOAD_MAX_PER_NODE); try again shortly`,
});

/**
 * Caps on work in flight. The per-subject cap must hold however requests spread over nodes,
 * so it is kept in the database: numbered permits per subject (`in_flight`), each taken by one
 * conditional upsert and deleted when the work ends; a node that dies mid-work leaves claims
 * that lapse after the rule's lease. The per-node cap is about this process's own resources
 * (its outbound sockets), so it is a count in this process. Past either, the work is refused
 * at once (rate_limited with `retryAfter`), never queued: a refused request holds nothing.
 */
export class InFlight {
  private readonly running = new Map<string, number>();
  /** This process, as the holder of its claims. */
  readonly holder = randomBytes(8).toString('hex');

  constructor(
    private readonly store: MetadataStore,
    private readonly now: () => number,
    /** Told the rule's name at each refusal (the node's metrics count them). */
    private readonly onRefusal: (rule: string) => void = () => {},
  ) {}

  /** Work of `rule` in flight on this node. */
  onThisNode(rule: InFlightRule): number {
    return this.running.get(rule.name) ?? 0;
  }

  private refuse(rule: InFlightRule, message: string): KuraError {
    this.onRefusal(rule.name);
    return new KuraError('rate_limited', message, { retryAfter: RETRY_AFTER });
  }

  /** Takes a permit for `subject`'s work, or refuses (rate_limited) when either cap is reached. */
  async acquire(rule: InFlightRule, subject: string): Promise<InFlightPermit> {
    const here = this.onThisNode(rule);
    if (here >= rule.perNode) throw this.refuse(rule, rule.nodeMessage);
    // Counted before the first await, so requests racing on this node see each other.
    this.running.set(rule.name, here + 1);
    const leave = () => this.running.set(rule.name, this.onThisNode(rule) - 1);
    const key = `${rule.name}:${subject}`;
    let permit: number | undefined;
    try {
      const now = this.now();
      permit = await this.store.inFlight.claim(key, rule.perSubject, this.holder, now, now + rule.leaseMs);
    } catch (e) {
      leave();
      throw e;
    }
    if (permit === undefined) {
      leave();
      throw this.refuse(rule, rule.subjectMessage);
    }
    const taken = permit;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        leave();
        // Should the database not answer now, the claim lapses after the lease instead.
        await this.store.inFlight.release(key, taken, this.holder).catch(() => undefined);
      },
    };
  }

  /** Drops lapsed claims (GC). */
  async prune(): Promise<void> {
    await this.store.inFlight.prune(this.now());
  }
}

/** The core's face for uploads from URLs: one permit per transfer, for the caller. */
export class UrlFetches {
  private readonly rule: InFlightRule;

  constructor(
    private readonly inFlight: InFlight,
    config: CoreConfig,
    private readonly sources: SourceOpener,
  ) {
    this.rule = urlFetchRule(config);
  }

  /** A permit for one upload from a URL by `actor`; release it when the transfer is over. */
  reserve(actor: Actor): Promise<InFlightPermit> {
    return this.inFlight.acquire(this.rule, String(actor.userId));
  }

  /** A permit when `source` names a URL to fetch (reserve()), else none: other sources hold no connection. */
  async admit(actor: Actor, source: unknown): Promise<InFlightPermit | undefined> {
    return this.sources.isUrl(source) ? this.reserve(actor) : undefined;
  }

}
