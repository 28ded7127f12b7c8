import type { KuraError, Outcome } from '../../../core/index.js';
import { toObjectId } from '../../shared/ids.js';

/** Failures a batch answer skips: items the caller may not see or change, or that cannot be changed so. */
const SKIPPED = new Set(['not_found', 'forbidden', 'name_conflict', 'conflict', 'bad_request']);

/**
 * The ids of a batch whose items succeeded or failed on their own (the core's outcomes):
 * those that succeeded, in order. Skipped failures are left out; if none succeeded, the
 * first failure is the answer; any other failure (a full quota, …) is the answer too.
 */
export function succeeded(outcomes: Outcome<unknown>[]): string[] {
  const failed = outcomes.filter((o) => !o.ok).map((o) => (o as { error: KuraError }).error);
  const serious = failed.find((e) => !SKIPPED.has(e.code));
  if (serious) throw serious;
  const done = outcomes.filter((o) => o.ok).map((o) => toObjectId(o.id));
  if (done.length === 0 && failed.length > 0) throw failed[0];
  return done;
}
