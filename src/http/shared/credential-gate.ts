import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { formScanner, jsonScanner, type FieldScanner } from './credential-scan.js';

/**
 * Most bytes of a body that may come before the credential it carries (a drive `UserToken`
 * field): past them without one, the request ends (401) and the connection is closed.
 */
export const CREDENTIAL_WINDOW = 64 * 1024;

/** The body types whose fields may carry a credential, and how to find it while they stream. */
export type BodyFormat = 'multipart' | 'form' | 'json';

export function bodyFormat(req: FastifyRequest): BodyFormat | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'multipart/form-data') return 'multipart';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'application/json') return 'json';
  return undefined;
}

/**
 * A request body whose credential is in it, let through on its way to the parser while the
 * credential is looked for. The first credential field found is judged at once (`judge`),
 * and the body waits meanwhile: a refusal ends it with that error, an acceptance lets the
 * rest through untouched. Without one in the first `CREDENTIAL_WINDOW` bytes, the body ends
 * with `missing()`. Form and JSON bodies are scanned here; a multipart body's fields come
 * from its reader (multipart.ts), which `offer`s them as busboy parses them.
 */
export class CredentialGate extends Transform {
  private seen = 0;
  private open = false;
  private judging: Promise<void> | undefined;

  constructor(
    private readonly fields: readonly string[],
    private readonly judge: (field: string, credential: string) => Promise<void>,
    private readonly missing: () => Error,
    private readonly scanner?: FieldScanner,
  ) {
    super();
  }

  /** A gate for a body of `format` (form and JSON scanned here, multipart by its reader). */
  static for(format: BodyFormat, fields: readonly string[], judge: (field: string, credential: string) => Promise<void>, missing: () => Error): CredentialGate {
    const scanner = format === 'form' ? formScanner(fields) : format === 'json' ? jsonScanner(fields) : undefined;
    return new CredentialGate(fields, judge, missing, scanner);
  }

  /** A field of the body, as its reader saw it: a credential field starts the judgement. */
  offer(field: string, value: string): void {
    if (this.open || this.judging || value === '' || !this.fields.includes(field)) return;
    this.judging = this.judge(field, value).then(
      () => {
        this.open = true;
        this.judging = undefined;
      },
      (e: unknown) => {
        this.destroy(e instanceof Error ? e : new Error(String(e)));
        throw e;
      },
    );
    this.judging.catch(() => undefined);
  }

  /** Settles once no judgement is running: rejects with the refusal when the credential was refused. */
  async settled(): Promise<void> {
    await this.judging;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.judging) {
      // The body waits for the verdict on its credential (back-pressure on the socket).
      this.judging.then(() => this._transform(chunk, _enc, cb), () => undefined);
      return;
    }
    if (this.open) return cb(null, chunk);
    // Multipart fields are offered by busboy once a chunk has gone through: the window is
    // judged when the next one comes (so at most one chunk more than it is read).
    if (this.seen > CREDENTIAL_WINDOW) return cb(this.missing());
    const before = this.seen;
    this.seen += chunk.length;
    if (this.scanner) {
      const found = this.scanner.push(chunk);
      if (found && before + found.at <= CREDENTIAL_WINDOW) this.offer(found.field, found.value);
      else if (found || this.seen > CREDENTIAL_WINDOW) return cb(this.missing());
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const found = this.open ? undefined : this.scanner?.end();
    if (found && this.seen <= CREDENTIAL_WINDOW) this.offer(found.field, found.value);
    if (!this.judging) return cb();
    this.judging.then(() => cb(), () => undefined);
  }
}
