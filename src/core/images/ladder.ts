import { badRequest } from '../errors.js';
import { recipeKey, type ImageRecipe } from '../ports/index.js';

/**
 * The thumbnail ladder: the only sizes a thumbnail is rendered from its source at and kept
 * (as `short-N` and `long-N` derivatives). A request for any other size is answered from
 * the smallest step at least as large (capped at the largest), scaled or cropped to the
 * size asked in memory: decoding a source in full and keeping the result happens at most
 * once per step, so a source has at most `MAX_DERIVATIVES_PER_SOURCE` derivatives whatever
 * sizes are asked for. 172 and 750 are the media spec's example and default, 256 the
 * drive's thumbnail; the rest double.
 */
export const LADDER = [64, 128, 172, 256, 512, 750, 1024, 2048] as const;

/** The one fixed recipe besides the ladder: 10Centuries' 960 px web copy (decisions/0013). */
export const WEB_COPY = { kind: 'fit-width', maxWidth: 960 } as const satisfies ImageRecipe;

/** Every recipe a derivative may be kept under. */
export const KEPT_SPECS: ReadonlySet<string> = new Set([...LADDER.flatMap((s) => [`short-${s}`, `long-${s}`]), recipeKey(WEB_COPY)]);

/** At most this many derivatives are ever kept of one source (the ladder twice, and the web copy). */
export const MAX_DERIVATIVES_PER_SOURCE = KEPT_SPECS.size;

/** The smallest step ≥ `n`, or the largest step. */
export function stepAtLeast(n: number): number {
  return LADDER.find((s) => s >= n) ?? LADDER[LADDER.length - 1];
}

/**
 * The kept recipe a request is answered from: short and long edges on the step of their
 * size; a W×H cover on the short-edge step of its larger side (an image whose short edge
 * is at least max(W, H) covers W×H whatever its shape); the web copy as itself.
 */
export function ladderStep(r: ImageRecipe): ImageRecipe {
  switch (r.kind) {
    case 'short-edge':
      return { kind: 'short-edge', size: stepAtLeast(r.size) };
    case 'long-edge':
      return { kind: 'long-edge', size: stepAtLeast(r.size) };
    case 'cover':
      return { kind: 'short-edge', size: stepAtLeast(Math.max(r.width, r.height)) };
    case 'fit-width':
      if (r.maxWidth !== WEB_COPY.maxWidth) throw badRequest(`only the ${WEB_COPY.maxWidth} px web copy is kept`, { field: 'width' });
      return r;
  }
}

/**
 * Whether a kept rendering of `width`×`height` already is the answer to `r`, so it is served
 * as it is (a step asked for exactly, a source smaller than the size asked, or a request
 * above the largest step); otherwise it is scaled or cropped to `r`.
 */
export function answersAsIs(r: ImageRecipe, width: number, height: number): boolean {
  switch (r.kind) {
    case 'short-edge':
      return Math.min(width, height) <= r.size;
    case 'long-edge':
      return Math.max(width, height) <= r.size;
    case 'cover':
      return width === r.width && height === r.height;
    case 'fit-width':
      return width <= r.maxWidth;
  }
}
