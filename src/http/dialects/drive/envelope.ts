import type { FastifyReply } from 'fastify';
import type { KuraError } from '../../../core/errors.js';

/** The drive spec's envelope: `{IsOk, Code, Message, Data}`; the HTTP status equals Code. */
export interface Envelope<T> {
  IsOk: boolean;
  Code: number;
  Message: string;
  Data: T | null;
}

export const ok = <T>(data: T, message = 'success'): Envelope<T> => ({ IsOk: true, Code: 200, Message: message, Data: data });

export function renderError(reply: FastifyReply, e: KuraError): void {
  const body: Envelope<null> = { IsOk: false, Code: e.status, Message: e.message, Data: null };
  reply.code(e.status).header('content-type', 'application/json; charset=utf-8').send(body);
}
