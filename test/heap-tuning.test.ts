import { describe, expect, it } from 'vitest';
import { tuneHeapForServing } from '../src/heap-tuning.js';

/** Records the V8 flags tuneHeapForServing would set (the real setter changes this test process's heap). */
function recorder() {
  const set: string[] = [];
  return { set, setFlags: (f: string) => void set.push(f) };
}

describe('heap tuning of kura serve', () => {
  it("leaves an operator's own --heap-growing-percent alone, and says so", () => {
    for (const own of ['--heap-growing-percent=50', '--heap_growing_percent=300']) {
      const r = recorder();
      const t = tuneHeapForServing('auto', [own], r.setFlags);
      expect(t.tuned).toBe(false);
      expect(t.why).toContain(own);
      expect(r.set).toEqual([]);
    }
  });

  it('sets the growth factor otherwise (its effect on throughput is measured by the tus-upload bench)', () => {
    const r = recorder();
    const t = tuneHeapForServing('auto', ['--max-old-space-size=512'], r.setFlags);
    expect(t).toMatchObject({ tuned: true });
    expect(t.why).toContain('--heap-growing-percent=200');
    expect(r.set).toEqual(['--heap-growing-percent=200']);
  });

  it('KURA_HEAP_TUNING=off sets no flag at all', () => {
    const r = recorder();
    const t = tuneHeapForServing('off', [], r.setFlags);
    expect(t.tuned).toBe(false);
    expect(t.why).toContain('KURA_HEAP_TUNING=off');
    expect(r.set).toEqual([]);
  });
});
