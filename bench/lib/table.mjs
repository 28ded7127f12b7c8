// Rows of the report and the table they print as.
//
// A row is { scenario, kura, reference, ratio, target, verdict } of strings. Build rows with
// the helpers below so verdicts are computed the same way everywhere:
//   ratioRow: Kura / reference ≥ min              (throughput vs nginx, vs dd)
//   limitRow: Kura ≤ max (or ≥ min)                (absolute limits: RSS, latency budgets)
//   infoRow:  no target, verdict "info"
//   errorRow: the scenario failed, verdict "ERROR" (makes the exit code non-zero)

export const MB = 1e6;

export const fmt = {
  rate: (bytesPerSec) => `${group(bytesPerSec / MB, 0)} MB/s`,
  rps: (rps) => `${group(rps, 0)} req/s`,
  ms: (ms) => `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : group(ms, 0)} ms`,
  mb: (bytes) => `${group(bytes / MB, 0)} MB`,
  ratio: (r) => r.toFixed(2),
};

function group(n, digits) {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const dash = '—';

/** Kura vs a reference where higher is better; ok when kura/ref ≥ min. */
export function ratioRow(scenario, { kura, ref, refLabel, min, format }) {
  const ratio = kura / ref;
  return {
    scenario,
    kura: format(kura),
    reference: `${format(ref)}${refLabel ? ` (${refLabel})` : ''}`,
    ratio: fmt.ratio(ratio),
    target: `≥ ${min.toFixed(2)}×`,
    verdict: ratio >= min ? 'ok' : 'MISSED',
  };
}

/** An absolute limit on Kura's value: `max` (value ≤ max) or `min` (value ≥ min). */
export function limitRow(scenario, { kura, max, min, format, ref, refLabel }) {
  const pass = (max === undefined || kura <= max) && (min === undefined || kura >= min);
  return {
    scenario,
    kura: format(kura),
    reference: ref === undefined ? dash : `${format(ref)}${refLabel ? ` (${refLabel})` : ''}`,
    ratio: ref === undefined ? dash : fmt.ratio(kura / ref),
    target: [min !== undefined ? `≥ ${format(min)}` : null, max !== undefined ? `≤ ${format(max)}` : null].filter(Boolean).join(', '),
    verdict: pass ? 'ok' : 'MISSED',
  };
}

/** A row with no target (context for the others). Values already formatted, or undefined. */
export function infoRow(scenario, { kura, reference, ratio } = {}) {
  return { scenario, kura: kura ?? dash, reference: reference ?? dash, ratio: ratio ?? dash, target: dash, verdict: 'info' };
}

export function errorRow(scenario, message) {
  return { scenario, kura: dash, reference: dash, ratio: dash, target: dash, verdict: 'ERROR', error: message };
}

const COLUMNS = [
  ['scenario', 'scenario'],
  ['kura', 'Kura'],
  ['reference', 'reference'],
  ['ratio', 'ratio'],
  ['target', 'target'],
  ['verdict', 'verdict'],
];
const RIGHT = new Set(['kura', 'reference', 'ratio']);

/** The rows as a Markdown table, columns aligned (pastes into an issue as is). */
export function renderTable(rows) {
  const width = COLUMNS.map(([key, title]) => Math.max(title.length, ...rows.map((r) => String(r[key]).length)));
  const cell = (key, text, w) => (RIGHT.has(key) ? String(text).padStart(w) : String(text).padEnd(w));
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [
    line(COLUMNS.map(([key, title], i) => cell(key, title, width[i]))),
    line(COLUMNS.map(([key], i) => (RIGHT.has(key) ? `${'-'.repeat(width[i] - 1)}:` : '-'.repeat(width[i])))),
    ...rows.map((r) => line(COLUMNS.map(([key], i) => cell(key, r[key], width[i])))),
  ].join('\n');
}
