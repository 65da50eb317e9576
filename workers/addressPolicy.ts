// --block-private: which addresses a sweep of an untrusted list may not connect to. Checked on the address
// each request connects to (after name resolution, so a public name that resolves to 10.0.0.1 or to the
// cloud's metadata address 169.254.169.254 is refused too), on every redirect hop. The ranges are
// ipaddr.js's (IANA's special-purpose registries); anything but public unicast is refused.
import ipaddr from 'ipaddr.js';
import { CodedError, Codes } from '../src/result/errors.js';
import type { HostResolver } from './resolver.js';

/** The range an address falls in when --block-private refuses it (`loopback`, `private`, `linkLocal`, …); null when it is public. */
export function refusedRange(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return 'unparsable';
  }
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // ::ffff:10.0.0.1 is 10.0.0.1, and so is 64:ff9b::a00:1 through NAT64 (judged by what it reaches).
    if (v6.isIPv4MappedAddress() || v6.range() === 'rfc6052') parsed = ipv4Within(v6);
    // ::10.0.0.1 (IPv4-compatible, deprecated): ipaddr.js calls it unicast; nothing public lives there.
    else if (v6.range() === 'unicast' && v6.parts.slice(0, 6).every((p) => p === 0)) return 'ipv4Compatible';
  }
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

/** The IPv4 address in an IPv6 address's last 32 bits. */
function ipv4Within(v6: ipaddr.IPv6): ipaddr.IPv4 {
  const [hi, lo] = [v6.parts[6]!, v6.parts[7]!];
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/** What a URL refused by --block-private records as its message. */
export function blockedMessage(address: string, range: string): string {
  return `${address} is a ${range} address, refused by --block-private`;
}

type Lookup = HostResolver['lookup'];

/** The resolver's lookup for connections, refusing what --block-private refuses: whatever a name resolves to by the time it connects. */
export function refusingLookup(lookup: Lookup): Lookup {
  return (hostname, options, callback) =>
    lookup(hostname, options, (err, address, family) => {
      // With `all`, a connection may try every address given: each must pass.
      const addresses = err ? [] : typeof address === 'string' ? [address] : address.map((a) => a.address);
      for (const a of addresses) {
        const range = refusedRange(a);
        if (range) return callback(new CodedError(Codes.blocked, blockedMessage(a, range)), '');
      }
      callback(err, address, family);
    });
}
