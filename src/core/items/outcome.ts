import { badRequest, isKuraError, type KuraError } from '../errors.js';

/** The result of one item of a batch whose items succeed or fail on their own. */
export type Outcome<T = void> = { id: number; ok: true; value: T } | { id: number; ok: false; error: KuraError };

/** Runs `fn` for each id (1–1000) on its own; KuraErrors become failed outcomes, other errors propagate. */
export async function eachOnItsOwn<T>(ids: number[], fn: (id: number) => Promise<T>): Promise<Outcome<T>[]> {
  if (ids.length === 0 || ids.length > 1000) throw badRequest('give 1 to 1000 items');
  const out: Outcome<T>[] = [];
  for (const id of ids) {
    try {
      out.push({ id, ok: true, value: await fn(id) });
    } catch (e) {
      if (!isKuraError(e)) throw e;
      out.push({ id, ok: false, error: e });
    }
  }
  return out;
}
