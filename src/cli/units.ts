/** Sizes for people: 1023 B, 1.2 KiB, 3.4 GiB (binary units, one decimal under 10). */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} B`;
  return `${Math.abs(v) < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** "1.2 GiB of 10 GiB", or "1.2 GiB (no limit)". */
export const usageOf = (used: number, limit: number | null, unit: (n: number) => string = humanBytes): string => (limit === null ? `${unit(used)} (no limit)` : `${unit(used)} of ${unit(limit)}`);

/** "3 files", "1 file". */
export const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
