import { categoryOf, type Category } from '../domain.js';
import { KuraError } from '../errors.js';

const WHAT: Record<Category, string> = { image: 'an image', audio: 'an audio file', video: 'a video', other: 'a file of another kind' };

/**
 * A type rule for `UploadOptions.accept`: only content of `category`, judged from the
 * sniffed type before the bytes are committed, so a refusal (unsupported_type, with the
 * sniffed `mime` in its details) records and keeps nothing.
 */
export function acceptCategory(category: Category): (file: { mime: string }) => void {
  return ({ mime }) => {
    if (categoryOf(mime) !== category) throw new KuraError('unsupported_type', `not ${WHAT[category]} (${mime})`, { mime });
  };
}
