import { describe, expect, it } from 'vitest';
import { tuneHeapForServing } from '../src/heap-tuning.js';

describe('heap tuning of kura serve', () => {
  it("leaves an operator's own --heap-growing-percent alone", () => {
    expect(tuneHeapForServing(['--heap-growing-percent=50'])).toBe(false);
    expect(tuneHeapForServing(['--heap_growing_percent=300'])).toBe(false);
  });

  it('sets the growth factor otherwise (its effect on throughput is measured by the tus-upload bench)', () => {
    expect(tuneHeapForServing(['--max-old-space-size=512'])).toBe(true);
  });
});
