import { badRequest } from '../../../core/index.js';

/** One condition of an If list: a state token (a lock token) or an entity tag, maybe negated. */
export interface IfCondition {
  not: boolean;
  token?: string;
  etag?: string;
}

/** One list of an If header: all its conditions must hold; `resource` is its tag's URL, if tagged. */
export interface IfList {
  resource?: string;
  conditions: IfCondition[];
}

const MAX_IF = 8192;

/**
 * The lists of an If header (RFC 4918 §10.4): untagged `(…) (…)` or tagged `<url> (…)`.
 * One left-to-right pass; bad_request when it does not follow the grammar (but for a last
 * list cut short, read as if closed).
 */
export function parseIf(value: string): IfList[] {
  if (value.length > MAX_IF) throw badRequest(`the If header is longer than ${MAX_IF} characters`, { header: 'If' });
  const lists: IfList[] = [];
  let resource: string | undefined;
  let i = 0;
  const bad = (): never => {
    throw badRequest('the If header does not follow RFC 4918 §10.4: lists such as (<opaquelocktoken:…> ["etag"])', { header: 'If' });
  };
  const skip = () => {
    while (i < value.length && (value[i] === ' ' || value[i] === '\t')) i++;
  };
  // Inside a list, a header that ends before its closing `>`, `]` and `)` is read as if they
  // were there: litmus cuts long If headers (a SHA-256 ETag makes them long) mid-ETag.
  const until = (close: string, inList: boolean): string => {
    let end = value.indexOf(close, i + 1);
    if (end < 0) {
      if (!inList) bad();
      end = value.length;
    }
    const inner = value.slice(i + 1, end);
    i = end + 1;
    return inner;
  };
  skip();
  if (i >= value.length) bad();
  while (i < value.length) {
    if (value[i] === '<') {
      resource = until('>', false);
    } else if (value[i] === '(') {
      i++;
      const conditions: IfCondition[] = [];
      for (;;) {
        skip();
        if (value[i] === ')' || (i >= value.length && conditions.length > 0)) {
          i++;
          break;
        }
        let not = false;
        if (value.startsWith('Not', i) && /[\s<[]/.test(value[i + 3] ?? '')) {
          not = true;
          i += 3;
          skip();
        }
        if (value[i] === '<') conditions.push({ not, token: until('>', true) });
        else if (value[i] === '[') {
          const tag = until(']', true).trim().replace(/^W\//, '');
          conditions.push({ not, etag: tag.replace(/^"(.*)"$/, '$1') });
        } else bad();
      }
      if (conditions.length === 0) bad();
      lists.push({ resource, conditions });
    } else bad();
    skip();
  }
  if (lists.length === 0) bad();
  return lists;
}

/** Every lock token an If header names outside a Not: the tokens the client submits. */
export const submittedTokens = (lists: readonly IfList[]): string[] => [...new Set(lists.flatMap((l) => l.conditions.filter((c) => !c.not && c.token).map((c) => c.token!)))];
