import type { FastifyReply, FastifyRequest } from 'fastify';
import rangeParser from 'range-parser';
import { type FileBody, isActiveType, KuraError } from '../../core/index.js';

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function notModified(req: FastifyRequest, etag: string, modifiedAt: number): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    return inm.split(',').some((t) => {
      const v = t.trim();
      return v === '*' || v === etag || v === `W/${etag}`;
    });
  }
  const ims = req.headers['if-modified-since'];
  if (ims) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Math.floor(modifiedAt / 1000) * 1000 <= since;
  }
  return false;
}

/**
 * RFC 9110 §14.1.2: a suffix range longer than the content (`bytes=-100` of 16 bytes) means
 * the whole content. range-parser refuses those as unsatisfiable, so they are rewritten
 * to `0-` first; `bytes=-0` stays unsatisfiable.
 */
function longSuffixesWhole(header: string, size: number): string {
  if (!/^bytes=/i.test(header) || !header.includes('-')) return header;
  return header.replace(/(^bytes=|,)\s*-(\d+)\s*(?=,|$)/gi, (all, lead: string, n: string) => (Number(n) > size ? `${lead}0-` : all));
}

const headerMemo = new Map<string, Record<string, string>>();

/**
 * The response headers of a content, memoised: the same small file served thousands of
 * times a second should not rebuild dates and dispositions each time.
 */
function headersFor(body: FileBody, etag: string, forceAttachment: boolean, cacheControl: string): Record<string, string> {
  const key = `${etag}\u0000${body.name}\u0000${body.modifiedAt}\u0000${body.mime}\u0000${forceAttachment ? 1 : 0}\u0000${cacheControl}`;
  let h = headerMemo.get(key);
  if (!h) {
    const active = isActiveType(body.mime);
    h = {
      etag,
      'last-modified': new Date(body.modifiedAt).toUTCString(),
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': cacheControl,
      'content-disposition': contentDisposition(active || forceAttachment ? 'attachment' : 'inline', body.name),
      'content-type': body.mime.startsWith('text/') && !body.mime.includes('charset') ? `${body.mime}; charset=utf-8` : body.mime,
    };
    if (headerMemo.size >= 10_000) headerMemo.clear();
    headerMemo.set(key, h);
  }
  return h;
}

export interface SendOptions {
  /** Force a download (Content-Disposition: attachment) whatever the type. */
  attachment?: boolean;
  /** Extra validator string instead of the content hash (a dialect's own ETag). */
  etag?: string;
  /** Cache-Control value (default `private, no-cache`: user content is revalidated). */
  cacheControl?: string;
  /** Serve exactly these bytes with 200 (a dialect's own slice parameters), ignoring Range. */
  slice?: { start: number; end: number };
}

/**
 * The one place that serves user content over HTTP, for every dialect: HEAD, 304 on
 * If-None-Match / If-Modified-Since, single and suffix Range (206/416), and safe headers —
 * nosniff everywhere, a sandboxing CSP, and active types (HTML, SVG, XML, JS) as attachments.
 */
export async function sendFile(req: FastifyRequest, reply: FastifyReply, body: FileBody, opts: SendOptions = {}): Promise<void> {
  const etag = `"${opts.etag ?? body.etag}"`;
  reply.headers(headersFor(body, etag, !!opts.attachment, opts.cacheControl ?? 'private, no-cache'));
  if (notModified(req, etag, body.modifiedAt)) {
    reply.code(304).send();
    return;
  }
  let start = opts.slice?.start ?? 0;
  let end = opts.slice?.end ?? body.size - 1;
  const rangeHeader = opts.slice ? undefined : req.headers.range;
  const ifRange = req.headers['if-range'];
  if (rangeHeader && body.size > 0 && (!ifRange || ifRange === etag)) {
    const parsed = rangeParser(body.size, longSuffixesWhole(rangeHeader, body.size), { combine: true });
    if (parsed === -1) {
      reply.header('Content-Range', `bytes */${body.size}`);
      throw new KuraError('range_not_satisfiable', `range not satisfiable for ${body.size} bytes`);
    }
    // -2 (malformed) and multi-range requests are answered with the whole content.
    if (parsed !== -2 && parsed.type === 'bytes' && parsed.length === 1) {
      start = parsed[0].start;
      end = parsed[0].end;
      reply.code(206);
      reply.header('Content-Range', `bytes ${start}-${end}/${body.size}`);
    }
  } else if (rangeHeader && body.size === 0 && /^bytes=/.test(rangeHeader)) {
    reply.header('Content-Range', 'bytes */0');
    throw new KuraError('range_not_satisfiable', 'range not satisfiable for 0 bytes');
  }
  const length = body.size === 0 ? 0 : end - start + 1;
  reply.header('Content-Length', String(length));
  if (req.method === 'HEAD' || length === 0) {
    reply.send();
    return;
  }
  if (body.cached) {
    const bytes = start === 0 && end === body.size - 1 ? body.cached : body.cached.subarray(start, end + 1);
    // Hot path (small content already in memory): write it directly. Fastify's send
    // pipeline adds nothing here; onResponse (metrics, access log) still runs on 'finish'.
    reply.hijack();
    reply.raw.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
    reply.raw.end(bytes);
    return;
  }
  const stream = await body.open(start === 0 && end === body.size - 1 ? undefined : { start, end });
  // Fastify pipes the stream and destroys the connection if the client or the store fails.
  reply.send(stream);
}
