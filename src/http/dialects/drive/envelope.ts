import type { ErrorRenderer } from '../../shared/errors.js';
import { httpStatus } from '../../shared/errors.js';

/** The drive spec's envelope: `{IsOk, Code, Message, Data}`; the HTTP status equals Code. */
export interface Envelope<T> {
  IsOk: boolean;
  Code: number;
  Message: string;
  Data: T | null;
}

export const ok = <T>(data: T, message = 'success'): Envelope<T> => ({ IsOk: true, Code: 200, Message: message, Data: data });

/** Codes whose REST status the drive does not document: a locked item or a failed condition is a conflict (409). */
const CONFLICTS = new Set(['locked', 'precondition_failed']);

export const renderDriveError: ErrorRenderer = (e) => {
  const status = CONFLICTS.has(e.code) ? 409 : httpStatus(e.code);
  const body: Envelope<null> = { IsOk: false, Code: status, Message: e.message, Data: null };
  return { status, body };
};
