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

export const renderDriveError: ErrorRenderer = (e) => {
  const status = httpStatus(e.code);
  const body: Envelope<null> = { IsOk: false, Code: status, Message: e.message, Data: null };
  return { status, body };
};
