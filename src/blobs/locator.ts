import { KuraError } from '../core/errors.js';

const HASH = /^[0-9a-f]{64}$/;

/** Refuses anything that is not a lowercase hex SHA-256, so no key can escape its folder. */
export function checkHash(hash: string): string {
  if (!HASH.test(hash)) throw new KuraError('bad_request', 'not a SHA-256 content hash');
  return hash;
}

/** The key scheme, shared by every backend: `ab/cd/<sha256>`. */
export const blobKey = (hash: string): string => {
  checkHash(hash);
  return `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
};

export const isHash = (s: string): boolean => HASH.test(s);
