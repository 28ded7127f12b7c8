import type { FastifyRequest } from 'fastify';
import type { KuraError } from '../../../core/index.js';
import { httpStatus, type ErrorRenderer } from '../../shared/errors.js';
import { bodyParams } from '../../shared/params.js';

/** The OneBot 11 answer: `{status, retcode, data, message, wording, echo}`. */
export interface Answer<T = unknown> {
  status: 'ok' | 'async' | 'failed';
  retcode: number;
  data: T | null;
  message: string;
  wording: string;
  echo: unknown;
}

/** The request's `echo` (any JSON value), answered back as it came; null without one. */
export function echoOf(req: FastifyRequest): unknown {
  const body = bodyParams(req);
  if (body && Object.hasOwn(body, 'echo')) return body.echo;
  const q = (req.query as Record<string, unknown> | undefined)?.echo;
  return q ?? null;
}

export const ok = <T>(req: FastifyRequest, data: T): Answer<T> => ({ status: 'ok', retcode: 0, data, message: '', wording: '', echo: echoOf(req) });

/**
 * `retcode` of a failed action: 1000 + the HTTP status the error has in REST dialects
 * (1400 bad parameters, 1403 no right or refused source, 1404 unknown group, file, folder
 * or user, 1409 name taken, 1413 too large, 1415 unsupported type, 1429 rate limited, 1500
 * server error, 1507 group full), the convention OneBot 11 uses for 1400/1401/1403/1404
 * over WebSocket. docs/onebot.md has the table.
 */
export const retcodeOf = (e: KuraError): number => 1000 + httpStatus(e.code);

/** Where the download route lives: its errors keep real HTTP statuses (a 200 would pass for the file). */
export const DOWNLOAD_PATH = '/download/';

/**
 * Errors the OneBot way: HTTP 200 with `status: failed`, except what OneBot 11 gives an HTTP
 * status of its own — 401 no access_token, 403 a wrong one, 404 an unknown action, 406 a
 * body type other than JSON or a form, 400 a body that does not parse — and the signed
 * download links, which answer with the error's real status.
 */
export const renderOneBotError: ErrorRenderer = (e, req) => {
  const body: Answer<null> = { status: 'failed', retcode: retcodeOf(e), data: null, message: e.message, wording: e.message, echo: echoOf(req) };
  if (e.code === 'unauthorized') {
    const status = e.details?.credential === 'missing' ? 401 : 403;
    return { status, body: { ...body, retcode: 1000 + status } };
  }
  if (e.details?.route === 'unknown') return { status: 404, body };
  if (e.details?.transport === 'content-type') return { status: 406, body };
  if (e.details?.transport === 'body') return { status: 400, body };
  if (req.url.startsWith(`/onebot${DOWNLOAD_PATH}`)) return { status: httpStatus(e.code), body };
  return { status: 200, body };
};
