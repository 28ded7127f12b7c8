import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Addresses a server-side fetch must never reach: this machine, private and carrier
 * networks, link-local (cloud metadata services live at 169.254.169.254 and fd00:ec2::254),
 * multicast, documentation, benchmarking and reserved ranges (IANA special-purpose
 * registries). IPv6 forms that carry an IPv4 address (mapped, translated, compatible,
 * NAT64, 6to4) are judged by that IPv4 address.
 */
const V4_BLOCKED: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const V6_BLOCKED: readonly [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo (tunnels to anywhere)
  ['2001:2::', 48], // benchmarking
  ['2001:db8::', 32], // documentation
  ['2001:10::', 28], // ORCHID
  ['fc00::', 7], // unique local (fd00:ec2::254 is a metadata service)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const v4 = new BlockList();
for (const [a, p] of V4_BLOCKED) v4.addSubnet(a, p, 'ipv4');
const v6 = new BlockList();
for (const [a, p] of V6_BLOCKED) v6.addSubnet(a, p, 'ipv6');

/** The 16 bytes of an IPv6 address (any textual form, including a dotted IPv4 tail). */
function v6Bytes(addr: string): number[] {
  let text = addr.toLowerCase();
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** The IPv4 address an IPv6 address carries, if it is of a form that does. */
function embeddedV4(addr: string): string | undefined {
  const b = v6Bytes(addr);
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const tail = (at: number) => b.slice(at, at + 4).join('.');
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return tail(12); // ::ffff:a.b.c.d (mapped)
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) return tail(12); // ::ffff:0:a.b.c.d (translated, ::ffff:0:0/96)
  if (zero(0, 12) && !zero(12, 16)) return tail(12); // ::a.b.c.d (compatible, deprecated)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return tail(12); // 64:ff9b::/96 (NAT64)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b[4] === 0x00 && b[5] === 0x01) return tail(12); // 64:ff9b:1::/48 (local NAT64)
  if (b[0] === 0x20 && b[1] === 0x02) return tail(2); // 2002::/16 (6to4)
  return undefined;
}

/** Whether a fetch may connect to this IP address (a literal, as DNS or a URL gives it). */
export function isPublicAddress(addr: string): boolean {
  if (isIPv4(addr)) return !v4.check(addr, 'ipv4');
  if (!isIPv6(addr)) return false;
  const inner = embeddedV4(addr);
  if (inner !== undefined) return isPublicAddress(inner);
  return !v6.check(addr, 'ipv6');
}
