import ipaddr from 'ipaddr.js';

/** The prefix that counts as one network for the cap: a /24 holds one home or office, a /64 one IPv6 site. */
const IPV4_NETWORK_BITS = 24;
const IPV6_NETWORK_BITS = 64;

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** An address as Express reports it; an IPv4-mapped IPv6 address (::ffff:1.2.3.4) counts as IPv4. */
function parseAddress(address: string): Address | null {
  if (!ipaddr.isValid(address)) return null;
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() ? (parsed as ipaddr.IPv6).toIPv4Address() : parsed;
}

/** The client's network: its IPv4 /24 or IPv6 /64, as a CIDR ("10.1.2.0/24"); the address itself when unreadable. */
export function networkOf(address: string): string {
  const parsed = parseAddress(address);
  if (!parsed) return address;
  const bits = parsed.kind() === 'ipv4' ? IPV4_NETWORK_BITS : IPV6_NETWORK_BITS;
  return `${networkAddress(parsed, bits)}/${bits}`;
}

/** A CIDR as the operator may give it, normalised (host bits cleared: "10.1.2.3/24" is "10.1.2.0/24"); null if it is none. */
export function normalizeCidr(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 64 || !raw.includes('/')) return null;
  try {
    const [address, bits] = ipaddr.parseCIDR(raw.trim());
    const plain = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? null : address;
    if (!plain) return null;
    return `${networkAddress(plain, bits)}/${bits}`;
  } catch {
    return null;
  }
}

/**
 * Which of these networks (normalised CIDRs) holds an address: the CIDRs are parsed once, so a
 * join parses only its own address, however many networks are barred.
 */
export function networkMatcher(cidrs: readonly string[]): (address: string) => string | null {
  const ranges = cidrs.map((cidr) => ({ cidr, range: ipaddr.parseCIDR(cidr) }));
  return (address) => {
    const parsed = ranges.length === 0 ? null : parseAddress(address);
    if (!parsed) return null;
    return ranges.find(({ range }) => parsed.kind() === range[0].kind() && parsed.match(range))?.cidr ?? null;
  };
}

/** The address with its host bits cleared. */
function networkAddress(address: Address, bits: number): string {
  const cidr = `${address.toString()}/${bits}`;
  return (address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr)).toString();
}
