import type { ErrorRenderer } from '../../shared/errors.js';
import { httpStatus } from '../../shared/errors.js';

/** The 10Centuries envelope: `{meta: {code, text?}, data}`; the HTTP status equals meta.code. */
export interface Envelope<T> {
  meta: { code: number; text?: string };
  data: T | false;
}

export const ok = <T>(data: T): Envelope<T> => ({ meta: { code: 200 }, data });

/** The spec's words for a file that is not there (or not the caller's to see). */
export const NO_FILES = 'No Files Found';
/** The spec's words for a file the caller sees but may not delete. */
export const NOT_OWNER = 'You Do Not Own This File';
/** A file (or the folder it goes into) locked by someone else (a WebDAV or native lock). */
export const LOCKED = 'File Is Locked';

/**
 * Errors as the spec shows them: `{meta: {code, text}, data: false}`. A file the caller
 * cannot see reads "No Files Found" (unknown routes keep their own message); a file it may
 * see but not delete is 401 "You Do Not Own This File", as the spec's DELETE example says.
 */
export const renderTencenturiesError: ErrorRenderer = (e) => {
  if (e.code === 'forbidden') return { status: 401, body: { meta: { code: 401, text: NOT_OWNER }, data: false } };
  // The spec knows no 412 or 423: a locked file may not be changed now (401), a failed condition is a bad request.
  if (e.code === 'locked') return { status: 401, body: { meta: { code: 401, text: LOCKED }, data: false } };
  if (e.code === 'precondition_failed') return { status: 400, body: { meta: { code: 400, text: e.message }, data: false } };
  const status = httpStatus(e.code);
  const text = e.code === 'not_found' && !e.message.startsWith('no route ') ? NO_FILES : e.message;
  const body: Envelope<never> = { meta: { code: status, text }, data: false };
  return { status, body };
};
