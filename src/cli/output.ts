import { io } from './io.js';

/** How a command prints: `--json` output for machines, plain lines for people. */
export interface Out {
  json: boolean;
  /** Prints `value` as JSON, or `text()` as plain text. */
  print(value: unknown, text: () => string): void;
}

export function makeOut(json: boolean): Out {
  return {
    json,
    print(value, text) {
      io().stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
    },
  };
}

export const table = (rows: string[][]): string => {
  if (rows.length === 0) return '(none)';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
};
