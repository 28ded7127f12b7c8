import type { FastifyRequest } from 'fastify';
import { badRequest, type Conditions } from '../../core/index.js';

/*
 * Conditional writes over HTTP, for every face that takes them: If-Match and If-None-Match
 * (RFC 9110 §13.1) become the core's expected ETags, and the lock tokens a caller holds come
 * in `Lock-Token` (one or more, each a URI, in angle brackets as WebDAV writes them, or bare,
 * separated by commas or spaces). The core judges them inside the transaction that writes.
 */

const MAX_HEADER = 8192;

/** One header's value (repeated headers joined with commas). */
function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  const text = Array.isArray(v) ? v.join(',') : v;
  if (text === undefined || text.trim() === '') return undefined;
  if (text.length > MAX_HEADER) throw badRequest(`the ${name} header is longer than ${MAX_HEADER} characters`, { header: name });
  return text;
}

/**
 * The entity tags of an If-Match or If-None-Match value: `*`, or a list of `"tag"` and
 * `W/"tag"`, unquoted. A weak tag keeps its `W/` for If-Match (strong comparison: it never
 * matches) and loses it for If-None-Match (weak comparison). A tag without quotes is taken
 * as written.
 */
export function entityTags(value: string, weak: 'keep' | 'strip', name = 'If-Match'): '*' | string[] {
  if (value.trim() === '*') return '*';
  const tags: string[] = [];
  const re = /\s*(W\/)?(?:"([^"]*)"|([^\s,"]+))\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < value.length && (m = re.exec(value)) !== null) {
    const tag = m[2] ?? m[3];
    tags.push(m[1] && weak === 'keep' ? `W/${tag}` : tag);
  }
  if (re.lastIndex < value.length || tags.length === 0 || tags.some((t) => t.length === 0)) throw badRequest(`${name} must be * or a list of entity tags such as "abc", W/"abc"`, { header: name });
  return tags;
}

/** The lock tokens of a `Lock-Token` header: `<opaquelocktoken:…>` (or bare), one or more. */
export function lockTokens(value: string): string[] {
  const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]);
  const tokens = bracketed.length > 0 ? bracketed : value.split(/[\s,]+/).filter((t) => t.length > 0);
  if (tokens.length === 0) throw badRequest('Lock-Token must name a lock token, such as <opaquelocktoken:…>', { header: 'Lock-Token' });
  return [...new Set(tokens)];
}

/** The conditions a request sets on its write (If-Match, If-None-Match, Lock-Token); undefined when none. */
export function conditionsOf(req: FastifyRequest): Conditions | undefined {
  const out: { ifMatch?: '*' | string[]; ifNoneMatch?: '*' | string[]; lockTokens?: string[] } = {};
  const ifMatch = header(req, 'if-match');
  if (ifMatch !== undefined) out.ifMatch = entityTags(ifMatch, 'keep', 'If-Match');
  const ifNoneMatch = header(req, 'if-none-match');
  if (ifNoneMatch !== undefined) out.ifNoneMatch = entityTags(ifNoneMatch, 'strip', 'If-None-Match');
  const tokens = header(req, 'lock-token');
  if (tokens !== undefined) out.lockTokens = lockTokens(tokens);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Only the lock tokens a request holds (writes that name no item of their own: a slice, a copy's destination…). */
export function heldTokens(req: FastifyRequest): Pick<Conditions, 'lockTokens'> | undefined {
  const tokens = header(req, 'lock-token');
  return tokens === undefined ? undefined : { lockTokens: lockTokens(tokens) };
}
