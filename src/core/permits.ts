/**
 * A counting semaphore with a FIFO queue: at most `size` holders at once, the others wait
 * in arrival order. A released permit is handed straight to the oldest waiter, so a newcomer
 * never overtakes the queue. A waiter whose signal aborts leaves the queue at once.
 */
export class Permits {
  readonly size: number;
  #free: number;
  readonly #queue: Array<() => void> = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`permits: size must be a positive integer, not ${size}`);
    this.size = size;
    this.#free = size;
  }

  /** Permits held right now. */
  get running(): number {
    return this.size - this.#free;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Resolves with the release function once a permit is held; call it exactly once (later calls do nothing). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.#queue.indexOf(grant);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal?.reason);
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#releaser());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(grant);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
