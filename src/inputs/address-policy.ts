// Which IP addresses a URL input may reach. Pure, so the same rule judges a host literal at
// submit time and every DNS answer at download time, and a table test can pin it down.
import net from 'node:net';

/** [network, prefix length] of the IPv4 ranges that are not the public internet. */
const IPV4_NOT_PUBLIC: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", incl. the unspecified 0.0.0.0
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast 255.255.255.255
];

// True when the address (IPv4 or IPv6, optionally with a %zone) is on the public internet;
// false for loopback, private, link-local, unique-local, CGNAT, multicast, unspecified,
// documentation ranges, and for anything that is not an IP address at all.
export function isPublicAddress(ip: string): boolean {
  const address = ip.replace(/%.*$/, '');
  if (net.isIPv4(address)) return isPublicV4(parseV4(address));
  if (net.isIPv6(address)) return isPublicV6(parseV6(address));
  return false;
}

// IPv4 as an unsigned 32-bit number, so ranges are one mask and compare.
function parseV4(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

// Checks a 32-bit IPv4 value against the not-public table.
function isPublicV4(value: number): boolean {
  return !IPV4_NOT_PUBLIC.some(([network, bits]) => {
    const size = 2 ** (32 - bits);
    return Math.floor(value / size) === Math.floor(parseV4(network) / size);
  });
}

// IPv6 as 8 groups of 16 bits, expanding "::" and a trailing dotted IPv4 part.
function parseV6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseV4(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...(tail === undefined ? [] : zeros), ...tailGroups].map((g) => parseInt(g, 16));
}

// Only global unicast (2000::/3) is public, minus the special blocks carved out of it; forms that
// embed an IPv4 address (mapped, NAT64, 6to4) are judged by that address.
function isPublicV6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embeddedV4 = g6 * 65536 + g7;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return isPublicV4(embeddedV4);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isPublicV4(embeddedV4);
  if (g0 === 0x2002) return isPublicV4(g1 * 65536 + g2);
  if (g0 < 0x2000 || g0 > 0x3fff) return false; // ::, ::1, fc00::/7, fe80::/10, ff00::/8, ...
  if (g0 === 0x2001 && g1 === 0) return false; // Teredo (hides an IPv4 address)
  if (g0 === 0x2001 && g1 === 0x0db8) return false; // documentation
  if (g0 === 0x2001 && g1 === 0x0002 && g2 === 0) return false; // benchmarking
  if (g0 === 0x2001 && g1 >= 0x0010 && g1 <= 0x002f) return false; // ORCHID, not routed
  if (g0 === 0x3fff && g1 <= 0x0fff) return false; // documentation (RFC 9637)
  return true;
}
