// Latency-style measurements: run an operation N times, report percentiles.
import { BenchError } from './proc.mjs';

/**
 * Run `fn` `warmup` times untimed, then `n` times timed (one after another). Returns the
 * samples in milliseconds. `fn` may return false to flag a bad result (e.g. a wrong status):
 * that throws, so a latency row never hides errors.
 */
export async function measure(fn, { n = 200, warmup = 10, label = 'operation' } = {}) {
  for (let i = 0; i < warmup; i++) check(await fn(i), label, i);
  const samples = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const ok = await fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    check(ok, label, i);
  }
  return samples;
}

function check(ok, label, i) {
  if (ok === false) throw new BenchError(`${label} failed (run ${i + 1})`);
}

/**
 * Percentiles of `samples` by the nearest-rank method: percentiles([..], [50, 99]) →
 * { p50, p99, min, max, mean, n }.
 */
export function percentiles(samples, ps = [50, 90, 99]) {
  if (samples.length === 0) throw new Error('percentiles of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const out = { n: sorted.length, min: sorted[0], max: sorted[sorted.length - 1], mean: sorted.reduce((s, v) => s + v, 0) / sorted.length };
  for (const p of ps) {
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    out[`p${p}`] = sorted[rank - 1];
  }
  return out;
}

/** Best (highest) of several throughput results by `key`. */
export function best(results, key) {
  return results.reduce((a, b) => (b[key] > a[key] ? b : a));
}
