import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('KURA_UNPINNED_TTL', () => {
  it('defaults to 24 h and takes seconds or a duration', () => {
    expect(loadConfig({}).unpinnedTtlMs).toBe(86_400_000);
    expect(loadConfig({ KURA_UNPINNED_TTL: '3600' }).unpinnedTtlMs).toBe(3_600_000);
    expect(loadConfig({ KURA_UNPINNED_TTL: '90s' }).unpinnedTtlMs).toBe(90_000);
    expect(loadConfig({ KURA_UNPINNED_TTL: '30m' }).unpinnedTtlMs).toBe(1_800_000);
    expect(loadConfig({ KURA_UNPINNED_TTL: '7d' }).unpinnedTtlMs).toBe(7 * 86_400_000);
  });

  it('refuses what is not a duration, or out of range', () => {
    for (const v of ['soon', '-5', '1.5h', '0', '400d', '10x']) expect(() => loadConfig({ KURA_UNPINNED_TTL: v }), v).toThrow(ConfigError);
  });
});
