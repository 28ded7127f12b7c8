import { KuraError } from '../../../core/index.js';

/**
 * Refusals WebDAV answers with statuses of its own that no core code maps to: 405 (MKCOL
 * where something is, PUT on a collection) and 502 (a Destination on another server). The
 * error keeps the nearest core code; the renderer answers `davStatus`.
 */
export function davRefusal(status: 405 | 502, message: string, details: Record<string, unknown> = {}): KuraError {
  return new KuraError(status === 405 ? 'conflict' : 'bad_request', message, { ...details, davStatus: status });
}
