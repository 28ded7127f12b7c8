import type { Lock } from '../../../core/index.js';
import { parseXml } from './xml-read.js';
import { escapeXml } from './xml-write.js';

/** What `supportedlock` answers: exclusive and shared write locks. */
export const SUPPORTED_LOCK =
  '<d:lockentry><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockentry>' +
  '<d:lockentry><d:lockscope><d:shared/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockentry>';

/** One `activelock` (RFC 4918 §14.1): `rootHref` is the href of the item the lock was taken on. */
export function activeLock(l: Lock, rootHref: string): string {
  return (
    `<d:activelock><d:locktype><d:write/></d:locktype><d:lockscope><d:${l.scope}/></d:lockscope>` +
    `<d:depth>${l.depth === 0 ? '0' : 'infinity'}</d:depth>` +
    (l.owner ? `<d:owner>${ownerXml(l.owner)}</d:owner>` : '') +
    `<d:timeout>Second-${l.timeoutSeconds}</d:timeout>` +
    `<d:locktoken><d:href>${escapeXml(l.token)}</d:href></d:locktoken>` +
    `<d:lockroot><d:href>${escapeXml(rootHref)}</d:href></d:lockroot></d:activelock>`
  );
}

/** An owner as XML: as WebDAV stored it (XML already), or escaped text where another face set a plain one. */
function ownerXml(owner: string): string {
  try {
    parseXml(`<o>${owner}</o>`);
    return owner;
  } catch {
    return escapeXml(owner);
  }
}
