import { setFlagsFromString } from 'node:v8';

/** The old generation's limit after a full GC: three times what survived it. */
const HEAP_GROWING_PERCENT = 200;

/**
 * Keeps V8's heap limit from clamping down after an idle spell (decision 0022). Once the
 * server has been idle for a few seconds, V8's memory reducer shrinks the heap and then lets
 * it grow by only 1.3× for as long as its committed size stays put, which for a server with
 * 30 MB live is less headroom than one young-generation cycle promotes: every 8 MiB upload
 * chunk then ran under back-to-back full collections (10-15 a second, 2-3× the CPU per byte).
 * A fixed growth factor of 3 ends that (2 was not enough: marking still restarted every
 * 100-300 ms) and bounds the old generation to three times its live size.
 *
 * Only `kura serve` calls this, before it starts serving; an operator's own
 * `node --heap-growing-percent=N` wins. The flag is read at each limit computation, so
 * setting it after start-up takes effect (Node documents setFlagsFromString for this use).
 */
export function tuneHeapForServing(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
