/** Text or an attribute value escaped for XML; characters XML 1.0 cannot hold become U+FFFD. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']|[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return '\uFFFD';
    }
  });
}

/** A property as answered: its name (namespace and local name) and its value, already XML (escaped), or null for "none". */
export interface PropValue {
  ns: string;
  name: string;
  xml: string | null;
}

/** Prefixes the multistatus declares on its root: every property Kura answers is in one of these. */
export const PREFIXES: Readonly<Record<string, string>> = {
  'DAV:': 'd',
  'http://owncloud.org/ns': 'oc',
  'http://sabredav.org/ns': 's',
};

const ROOT = `<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus${Object.entries(PREFIXES)
  .map(([ns, p]) => ` xmlns:${p}="${escapeXml(ns)}"`)
  .join('')}>`;

/** The opening of a 207 body; then `response()` for each resource, then MULTISTATUS_END. */
export const MULTISTATUS_START = ROOT;
export const MULTISTATUS_END = '</d:multistatus>\n';

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 403: 'Forbidden', 404: 'Not Found', 424: 'Failed Dependency', 507: 'Insufficient Storage' };

/** An element name for a property: a known prefix, else a local declaration of its namespace. */
function tag(p: { ns: string; name: string }): { open: string; close: string; empty: string } {
  const prefix = PREFIXES[p.ns];
  if (prefix) return { open: `<${prefix}:${p.name}>`, close: `</${prefix}:${p.name}>`, empty: `<${prefix}:${p.name}/>` };
  const decl = p.ns ? ` xmlns:x="${escapeXml(p.ns)}"` : ' xmlns=""';
  const name = p.ns ? `x:${p.name}` : p.name;
  return { open: `<${name}${decl}>`, close: `</${name}>`, empty: `<${name}${decl}/>` };
}

/**
 * One `<d:response>`: the href, then one propstat per status (200 for found properties with
 * their values, 404 for those asked for that the resource does not have).
 */
export function response(href: string, found: PropValue[], missing: { ns: string; name: string }[] = []): string {
  let out = `<d:response><d:href>${escapeXml(href)}</d:href>`;
  if (found.length) {
    out += '<d:propstat><d:prop>';
    for (const p of found) {
      const t = tag(p);
      out += p.xml === null || p.xml === '' ? t.empty : t.open + p.xml + t.close;
    }
    out += `</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>`;
  }
  if (missing.length) {
    out += '<d:propstat><d:prop>';
    for (const p of missing) out += tag(p).empty;
    out += `</d:prop><d:status>HTTP/1.1 404 ${STATUS_TEXT[404]}</d:status></d:propstat>`;
  }
  return `${out}</d:response>`;
}

/** A DAV:error body (RFC 4918 §16) naming one precondition, e.g. `propfind-finite-depth`. */
export const davError = (condition: string, message: string): string =>
  `<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"><d:${condition}/><s:message>${escapeXml(message)}</s:message></d:error>\n`;

/** A plain DAV:error body carrying the message only (no precondition element). */
export const davMessage = (message: string): string =>
  `<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns"><s:message>${escapeXml(message)}</s:message></d:error>\n`;

/** Propstats of names only, one per status (PROPPATCH answers), empty groups left out. */
export function propstats(groups: readonly { status: number; names: readonly { ns: string; name: string }[] }[]): string {
  let out = '';
  for (const g of groups) {
    if (g.names.length === 0) continue;
    out += '<d:propstat><d:prop>';
    for (const n of g.names) out += tag(n).empty;
    out += `</d:prop><d:status>HTTP/1.1 ${g.status} ${STATUS_TEXT[g.status] ?? ''}</d:status></d:propstat>`;
  }
  return out;
}
