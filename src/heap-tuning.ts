import { setFlagsFromString } from 'node:v8';

/**
 * V8's `--heap-growing-percent`: `node --v8-options` describes it as "specifies heap growing
 * factor as (1 + heap_growing_percent/100)"; 200 lets the old generation grow to three
 * times what survived the last full collection before the next one.
 */
const HEAP_GROWING_PERCENT = 200;

/** What `kura serve` did to V8's heap growth, for its start-up log line. */
export interface HeapTuning {
  readonly tuned: boolean;
  readonly why: string;
}

/**
 * Keeps V8's heap limit from clamping down after an idle spell (decision 0022). Once the
 * server has been idle for a few seconds, V8's memory reducer shrinks the heap and then lets
 * it grow by only 1.3× for as long as its committed size stays put, which for a server with
 * 30 MB live is less headroom than one young-generation cycle promotes: every 8 MiB upload
 * chunk then ran under back-to-back full collections (10-15 a second, 2-3× the CPU per byte).
 * A fixed growth factor of 3 ends that (2 was not enough: marking still restarted every
 * 100-300 ms) and bounds the old generation to three times its live size.
 *
 * Only `kura serve` calls this, before it starts serving; `KURA_HEAP_TUNING=off` skips it and
 * an operator's own `node --heap-growing-percent=N` wins. The flag is set with
 * `v8.setFlagsFromString` after the VM has started, which Node's documentation warns "may
 * result in unpredictable behavior, including crashes and data loss; or it may simply do
 * nothing": Node promises nothing here. That it works is measured, not documented: V8 reads
 * this flag each time it computes the old generation's limit, and the tus-upload bench and
 * `--trace-gc` showed the effect on Node 20, 22 and 24 (decision 0022). A Node line where it
 * does nothing is caught there, not by a test.
 */
export function tuneHeapForServing(mode: 'auto' | 'off' = 'auto', execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = setFlagsFromString): HeapTuning {
  if (mode === 'off') return { tuned: false, why: "KURA_HEAP_TUNING=off: V8's own heap growth" };
  const own = execArgv.find((a) => /^--heap[-_]growing[-_]percent\b/.test(a));
  if (own) return { tuned: false, why: `node was started with ${own}, which is kept` };
  setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return { tuned: true, why: `--heap-growing-percent=${HEAP_GROWING_PERCENT} set (old generation up to 3× what survived a full collection; decisions/0022)` };
}
