import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { pipeline, Transform, type Readable } from 'node:stream';
import { badRequest, KuraError } from '../core/index.js';
import { isPublicAddress } from './addresses.js';

/** A resolver: every address a host name stands for. Tests pass their own (no DNS offline). */
export type Resolver = (host: string) => Promise<readonly { address: string; family: number }[]>;

export interface SafeFetchOptions {
  /** Largest body, bytes: a larger Content-Length is refused at once, a longer body while streaming. */
  maxBytes: number;
  /** Longest wait for each hop's response headers, ms. */
  connectTimeoutMs: number;
  /** Longest whole transfer (redirects and body), ms. */
  timeoutMs: number;
  /** `ip:port` (`[v6]:port`) endpoints allowed although not public (config `urlUpload.allow`). */
  allow?: readonly string[];
  /** Host name resolution (default: the system resolver, every address). */
  resolve?: Resolver;
  /** Redirects followed (default 5); each target is checked again. */
  maxRedirects?: number;
}

/** A response body on its way: a size-limited stream, with what the server said about it. */
export interface FetchedBody {
  stream: Readable;
  /** From Content-Disposition, else the last path segment of the final URL. */
  name: string | undefined;
  /** Content-Length, when the server sent one. */
  length: number | undefined;
  finalUrl: string;
}

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

const refused = (why: string) => new KuraError('forbidden', `refusing to fetch that URL: ${why}`, { source: 'url' });
const failed = (why: string) => badRequest(`could not fetch that URL: ${why}`, { source: 'url' });

function parse(raw: string, base?: URL): URL {
  let u: URL;
  try {
    u = new URL(raw, base);
  } catch {
    throw badRequest('not a valid URL', { source: 'url' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw refused(`only http and https URLs are fetched, not ${u.protocol}`);
  if (u.username || u.password) throw refused('URLs with credentials are not fetched');
  return u;
}

const endpoint = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/**
 * The address to connect to for `u`: its host is resolved once and every address it
 * resolves to must be public (or an allowed endpoint), so a name that also points inside
 * cannot be used to get there. The connection then goes to that checked address, never
 * through a second look-up (DNS rebinding).
 */
async function checkedAddress(u: URL, o: SafeFetchOptions, deadline: number): Promise<string> {
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    const lookup = (o.resolve ?? systemResolver)(host).then((r) => r.map((a) => a.address));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(failed(`resolving ${host} took too long`)), Math.max(1, Math.min(o.connectTimeoutMs, deadline - Date.now())));
    });
    try {
      addresses = await Promise.race([lookup, late]);
    } catch (e) {
      if (e instanceof KuraError) throw e;
      throw failed(`${host} does not resolve`);
    } finally {
      clearTimeout(timer);
    }
    if (addresses.length === 0) throw failed(`${host} does not resolve`);
  }
  for (const a of addresses) {
    if (!isPublicAddress(a) && !(o.allow ?? []).includes(endpoint(a.toLowerCase(), port))) {
      throw refused(`${isIP(host) ? 'the address' : `${host} resolves to an address that`} is not public (loopback, private, link-local or reserved)`);
    }
  }
  return addresses[0];
}

/** One request to a checked address; resolves with the response headers. */
function request(u: URL, address: string, o: SafeFetchOptions, deadline: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = u.protocol === 'https:' ? https : http;
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    const req = mod.request({
      host: address,
      port: u.port || undefined,
      path: `${u.pathname}${u.search}`,
      method: 'GET',
      headers: { host: u.host, 'user-agent': 'Kura (upload from URL)', accept: '*/*' },
      agent: false,
      // Certificates are checked against the name asked for, not the address.
      ...(u.protocol === 'https:' && !isIP(host) ? { servername: host } : {}),
    });
    const timer = setTimeout(() => req.destroy(failed('no answer in time')), Math.max(1, Math.min(o.connectTimeoutMs, deadline - Date.now())));
    req.once('response', (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    req.once('error', (e) => {
      clearTimeout(timer);
      reject(e instanceof KuraError ? e : failed((e as NodeJS.ErrnoException).code ?? e.message));
    });
    req.end();
  });
}

/** `filename*=UTF-8''…` or `filename="…"` of a Content-Disposition header. */
function dispositionName(h: string | undefined): string | undefined {
  if (!h) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(h);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      return undefined;
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(h);
  return plain ? (plain[1] ?? plain[2]).trim() : undefined;
}

function pathName(u: URL): string | undefined {
  const last = u.pathname.split('/').pop();
  if (!last) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/**
 * Fetches a URL for an upload, safely: http(s) only; every hop's host resolved once, all of
 * its addresses checked (loopback, private, link-local, metadata and reserved ranges are
 * refused, in every notation the URL parser accepts: decimal, octal, hex, IPv4-mapped
 * IPv6), the connection made to the checked address; redirects followed by hand and each
 * target checked again; a size limit (Content-Length and while streaming) and time limits
 * (per hop and for the whole transfer). Errors are KuraErrors: `forbidden` for refused
 * targets, `bad_request` for sources that fail, `payload_too_large` past the limit.
 */
export async function fetchSafely(raw: string, o: SafeFetchOptions): Promise<FetchedBody> {
  const deadline = Date.now() + o.timeoutMs;
  let u = parse(raw);
  for (let hop = 0; ; hop++) {
    const address = await checkedAddress(u, o, deadline);
    const res = await request(u, address, o, deadline);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && status !== 304 && res.headers.location) {
      res.resume();
      if (hop >= (o.maxRedirects ?? 5)) throw failed('too many redirects');
      u = parse(res.headers.location, u);
      continue;
    }
    if (status < 200 || status > 299) {
      res.resume();
      throw failed(`the server answered HTTP ${status}`);
    }
    const declared = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
    if (declared !== undefined && declared > o.maxBytes) {
      res.destroy();
      throw new KuraError('payload_too_large', `the URL's body (${declared} bytes) is larger than the ${o.maxBytes} bytes allowed`, { source: 'url' });
    }
    return { stream: limited(res, o.maxBytes, deadline), name: dispositionName(res.headers['content-disposition']) ?? pathName(u), length: declared, finalUrl: u.toString() };
  }
}

/** The body with the size limit and the transfer's deadline applied while it streams. */
function limited(res: IncomingMessage, maxBytes: number, deadline: number): Readable {
  let seen = 0;
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > maxBytes) return cb(new KuraError('payload_too_large', `the URL's body is larger than the ${maxBytes} bytes allowed`, { source: 'url' }));
      cb(null, chunk);
    },
  });
  const timer = setTimeout(() => out.destroy(failed('the transfer took too long')), Math.max(1, deadline - Date.now()));
  pipeline(res, out, (e) => {
    clearTimeout(timer);
    if (e && !(e instanceof KuraError) && !out.destroyed) out.destroy(failed('the connection broke'));
  });
  out.once('close', () => {
    clearTimeout(timer);
    res.destroy();
  });
  return out;
}
