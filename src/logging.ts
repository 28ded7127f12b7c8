import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { KuraConfig } from './config.js';
import { logRedaction } from './redact.js';

/**
 * Kura's one logger (pino): JSON lines for machines, or one readable line per record on a
 * terminal (LOG_FORMAT=auto|json|pretty). Credential redaction is the same in both, since
 * the readable form is rendered from the redacted JSON.
 */
export function createLogger(config: Pick<KuraConfig, 'logLevel' | 'logFormat'>, opts: { stream?: Writable } = {}): Logger {
  const out = opts.stream ?? process.stdout;
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && (out as { isTTY?: boolean }).isTTY === true);
  const options = { level: config.logLevel, ...logRedaction };
  if (pretty) return pino(options, new PrettyStream(out));
  return opts.stream ? pino(options, opts.stream) : pino(options);
}

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '90'],
  20: ['DEBUG', '36'],
  30: ['INFO ', '32'],
  40: ['WARN ', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '35'],
};
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v', 'banner', 'err']);
/** The start banner's fields, in order, with their labels (server.ts writes them). */
const BANNER_LABELS: ReadonlyArray<[string, string]> = [
  ['publicUrl', 'public URL'],
  ['docs', 'API docs'],
  ['dataDir', 'data directory'],
  ['database', 'database'],
  ['blobStore', 'blob store'],
  ['hint', 'first user'],
];

/** pino destination that renders each JSON record as a readable line (plus an error's stack). */
export class PrettyStream {
  private readonly color: boolean;

  constructor(private readonly out: Writable) {
    this.color = (out as { isTTY?: boolean }).isTTY === true;
  }

  write(line: string): void {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.out.write(line);
      return;
    }
    this.out.write(renderRecord(rec, this.color));
  }
}

/** One record as text: `HH:MM:SS.mmm LEVEL message key=value …`, then indented details. */
export function renderRecord(rec: Record<string, unknown>, color = false): string {
  const d = new Date(typeof rec.time === 'number' ? rec.time : Date.now());
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  const [name, code] = LEVELS[rec.level as number] ?? [String(rec.level).padEnd(5), '0'];
  const level = color ? `\u001b[${code}m${name}\u001b[0m` : name;
  const indent = ' '.repeat(time.length + 7);
  let text = `${time} ${level} ${typeof rec.msg === 'string' ? rec.msg : ''}`;
  if (rec.banner) {
    const width = Math.max(...BANNER_LABELS.map(([, l]) => l.length)) + 2;
    for (const [key, label] of BANNER_LABELS) {
      if (rec[key] !== undefined) text += `\n${indent}${`${label}:`.padEnd(width)}${String(rec[key])}`;
    }
    return `${text}\n`;
  }
  const fields = Object.keys(rec).filter((k) => !OMIT.has(k));
  if (fields.length > 0) text += ` ${fields.map((k) => `${k}=${value(rec[k])}`).join(' ')}`;
  const err = rec.err as { message?: string; stack?: string } | undefined;
  if (err && typeof err === 'object') {
    const body = typeof err.stack === 'string' ? err.stack : String(err.message ?? '');
    text += `\n${body.split('\n').map((l) => indent + l).join('\n')}`;
  }
  return `${text}\n`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v) ?? String(v);
}

const pad = (n: number) => String(n).padStart(2, '0');
