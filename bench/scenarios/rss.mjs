// 4. Peak resident memory of the Kura process (VmHWM) during the 1 GiB upload and download,
// as measured by the upload and download scenarios.
import { fmt, limitRow } from '../lib/table.mjs';
import { BenchError } from '../lib/proc.mjs';

const MAX = 200e6;

export default {
  id: 'rss',
  title: 'peak RSS of Kura during 1 GiB transfers',
  async run(ctx) {
    const rows = [];
    for (const [key, label] of [
      ['upload', 'peak RSS, 1 GiB upload'],
      ['download', 'peak RSS, 1 GiB downloads'],
    ]) {
      const m = ctx.rss[key];
      if (!m) continue;
      rows.push(limitRow(`${label}${m.sinceStart ? ' (VmHWM since start)' : ''}`, { kura: m.bytes, max: MAX, format: fmt.mb }));
    }
    if (rows.length === 0) throw new BenchError('nothing measured: run the upload and/or download scenarios with it');
    return rows;
  },
};
