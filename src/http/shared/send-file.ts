import type { OutgoingHttpHeaders } from 'node:http';
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

/** Memoised response headers of one content as served one way. */
interface Memo {
  name: string;
  modifiedAt: number;
  mime: string;
  attachment: boolean;
  cacheControl: string;
  headers: Record<string, string>;
  /** The same with Content-Length of the whole content (the hot path's 200). */
  whole: Record<string, string>;
}

const headerMemo = new Map<string, Memo[]>();

/**
 * The response headers of a content, memoised by validator: the same small file served
 * thousands of times a second neither rebuilds dates and dispositions nor a key string.
 */
function headersFor(body: FileBody, etag: string, attachment: boolean, cacheControl: string): Memo {
  let list = headerMemo.get(etag);
  if (list) {
    for (const m of list) {
      if (m.name === body.name && m.modifiedAt === body.modifiedAt && m.mime === body.mime && m.attachment === attachment && m.cacheControl === cacheControl) return m;
    }
  } else {
    if (headerMemo.size >= 10_000) headerMemo.clear();
    headerMemo.set(etag, (list = []));
  }
  const active = isActiveType(body.mime);
  const headers: Record<string, string> = {
    etag,
    'last-modified': new Date(body.modifiedAt).toUTCString(),
    'accept-ranges': 'bytes',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': cacheControl,
    'content-disposition': contentDisposition(active || attachment ? 'attachment' : 'inline', body.name),
    'content-type': body.mime.startsWith('text/') && !body.mime.includes('charset') ? `${body.mime}; charset=utf-8` : body.mime,
  };
  const m: Memo = { name: body.name, modifiedAt: body.modifiedAt, mime: body.mime, attachment, cacheControl, headers, whole: { ...headers, 'content-length': String(body.size) } };
  if (list.length >= 8) list.shift();
  list.push(m);
  return m;
}

/**
 * Ends a HEAD answer with the headers set so far, as they are: Fastify's automatic HEAD
 * routes (every `app.get`) would otherwise replace Content-Length with 0, when it must be
 * the length a GET would send (or absent where a GET sends none, as for a zip).
 */
export function endHead(reply: FastifyReply): void {
  reply.hijack();
  reply.raw.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
  reply.raw.end();
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
  /**
   * Headers of the dialect's own to send along (e.g. drive's `X-File-Length`). Pass them
   * here rather than setting them on the reply first: the hot path writes the response
   * directly and sends only these and its own.
   */
  headers?: Record<string, string>;
}

/**
 * The one place that serves user content over HTTP, for every dialect: HEAD (with the
 * length a GET would send, however the route was registered), 304 on
 * If-None-Match / If-Modified-Since, single and suffix Range (206/416), and safe headers —
 * nosniff everywhere, a sandboxing CSP, and active types (HTML, SVG, XML, JS) as attachments.
 */
export async function sendFile(req: FastifyRequest, reply: FastifyReply, body: FileBody, opts: SendOptions = {}): Promise<void> {
  const memo = headersFor(body, `"${opts.etag ?? body.etag}"`, !!opts.attachment, opts.cacheControl ?? 'private, no-cache');
  const h = req.headers;
  // Hot path: small content already in memory, a plain GET of all of it. Written directly
  // (Fastify's send pipeline adds nothing here); onResponse (metrics, access log) still runs.
  if (body.cached && body.size > 0 && req.method === 'GET' && !opts.slice && !opts.headers && h.range === undefined && h['if-none-match'] === undefined && h['if-modified-since'] === undefined) {
    reply.hijack();
    reply.raw.writeHead(200, memo.whole);
    reply.raw.end(body.cached);
    return;
  }
  const etag = memo.headers.etag;
  reply.headers(memo.headers);
  if (opts.headers) reply.headers(opts.headers);
  if (notModified(req, etag, body.modifiedAt)) {
    reply.code(304);
    if (req.method === 'HEAD') endHead(reply);
    else reply.send();
    return;
  }
  let start = opts.slice?.start ?? 0;
  let end = opts.slice?.end ?? body.size - 1;
  const rangeHeader = opts.slice ? undefined : h.range;
  const ifRange = h['if-range'];
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
  if (req.method === 'HEAD') {
    endHead(reply);
    return;
  }
  if (length === 0) {
    reply.send();
    return;
  }
  if (body.cached) {
    reply.send(start === 0 && end === body.size - 1 ? body.cached : body.cached.subarray(start, end + 1));
    return;
  }
  const stream = await body.open(start === 0 && end === body.size - 1 ? undefined : { start, end });
  // Fastify pipes the stream and destroys the connection if the client or the store fails.
  reply.send(stream);
}
