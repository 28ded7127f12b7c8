import { SaxesParser } from 'saxes';
import { badRequest, KuraError } from '../../../core/index.js';
import { escapeXml } from './xml-write.js';

/** The DAV: namespace. */
export const DAV = 'DAV:';

/** Most bytes of an XML request body (PROPFIND, PROPPATCH, LOCK): 413 past it. */
export const XML_MAX_BYTES = 1024 * 1024;
/** Most elements of one body, and how deep they may nest: 400 past either. */
export const XML_MAX_ELEMENTS = 10_000;
export const XML_MAX_DEPTH = 32;

/** An element of a request body: namespace URI, local name, its child elements and its text. */
export interface XmlElement {
  ns: string;
  name: string;
  children: XmlElement[];
  text: string;
  /** Child elements and text in document order (what a dead property's value is made of). */
  content: (XmlElement | string)[];
}

const refused = (why: string) => badRequest(`the XML body is refused: ${why}`, { reason: 'xml' });

/**
 * Parses a WebDAV request body, namespace-aware (saxes). No DTD at all: a DOCTYPE is
 * refused, so no entity can be declared, and an undeclared entity is an error (only XML's
 * five are known). Bounded: at most XML_MAX_ELEMENTS elements, XML_MAX_DEPTH deep (the byte
 * cap is the body reader's). Processing instructions and comments are ignored.
 */
export function parseXml(text: string): XmlElement {
  if (text.length > XML_MAX_BYTES) throw new KuraError('payload_too_large', `an XML body holds at most ${XML_MAX_BYTES} bytes`);
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let failure: KuraError | undefined;
  const fail = (e: KuraError) => {
    failure ??= e;
  };
  parser.on('doctype', () => fail(refused('a DOCTYPE (DTDs and entities are not accepted)')));
  parser.on('opentag', (tag) => {
    if (++elements > XML_MAX_ELEMENTS) return fail(refused(`more than ${XML_MAX_ELEMENTS} elements`));
    if (stack.length >= XML_MAX_DEPTH) return fail(refused(`elements nested deeper than ${XML_MAX_DEPTH}`));
    const el: XmlElement = { ns: tag.uri, name: tag.local, children: [], text: '', content: [] };
    const parent = stack[stack.length - 1];
    if (parent) {
      parent.children.push(el);
      parent.content.push(el);
    } else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => void stack.pop());
  const onText = (t: string) => {
    const top = stack[stack.length - 1];
    if (!top) return;
    top.text += t;
    top.content.push(t);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('error', (e) => fail(refused(e.message.replace(/^undefined:\d*:?\d*:?\s*/, ''))));
  // saxes goes on after an error; the first failure decides, and nothing more is read.
  const CHUNK = 64 * 1024;
  for (let i = 0; i < text.length && !failure; i += CHUNK) parser.write(text.slice(i, i + CHUNK));
  if (!failure) parser.close();
  if (failure) throw failure;
  if (!root) throw refused('no root element');
  return root;
}

/** The first child of `el` with this namespace and local name. */
export const child = (el: XmlElement, ns: string, name: string): XmlElement | undefined => el.children.find((c) => c.ns === ns && c.name === name);

/**
 * The content of an element as XML text that stands on its own: every element declares
 * its namespace where it opens (no prefix of the request's is needed to read it back).
 * Attributes are not kept.
 */
export function innerXml(el: XmlElement): string {
  let out = '';
  for (const node of el.content) out += typeof node === 'string' ? escapeXml(node) : elementXml(node);
  return out;
}

function elementXml(el: XmlElement): string {
  const [open, close] = el.ns === '' ? [`${el.name} xmlns=""`, el.name] : [`k:${el.name} xmlns:k="${escapeXml(el.ns)}"`, `k:${el.name}`];
  const inner = innerXml(el);
  return inner === '' ? `<${open}/>` : `<${open}>${inner}</${close}>`;
}
