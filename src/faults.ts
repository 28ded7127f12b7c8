/**
 * Places where a test may stop the process on the spot (SIGKILL) to prove that a crash
 * there loses nothing: `KURA_TEST_FAULT=<point>`, honoured only with NODE_ENV=test.
 */
export const FAULT_POINTS = [
  /** Upload bytes are committed under their hash; no metadata names them yet. */
  'upload:after-commit',
  /** The upload's metadata transaction has committed; staging not yet discarded. */
  'upload:after-metadata',
  /** A resumable upload's last slice has claimed the assembly; nothing assembled yet. */
  'resumable:assembling',
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];
