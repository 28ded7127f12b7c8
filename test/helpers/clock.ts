/**
 * A clock for the core that runs with real time but can be moved ahead, so expiries, leases
 * and TTLs pass without waiting (no test sleeps on the real clock).
 */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let ahead = 0;
  return { now: () => Date.now() + ahead, advance: (ms) => void (ahead += ms) };
}
