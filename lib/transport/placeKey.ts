/**
 * The key under which a host's places are counted (the server's `maxClientsPerAddress`, a
 * WebSocket server's `maxSocketsPerAddress`): what one machine or one home cannot easily vary.
 * An IPv4 address is itself; an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, as a dual-stack
 * socket reports an IPv4 peer) is its IPv4 address; any other IPv6 address is its /64 prefix, the
 * block a single machine or home is given and can pick addresses from at will. Anything else (a
 * name on an in-memory network) is itself.
 *
 * ## Example
 * ```ts
 * placeKey('::ffff:10.0.0.7'); // '10.0.0.7'
 * placeKey('2001:db8:1:2:aaaa::1'); // '2001:db8:1:2::/64'
 * ```
 */
export function placeKey(host: string): string {
  if (!host.includes(':')) return host;
  const groups = ipv6Groups(host.replace(/%.*$/, '').toLowerCase());
  if (groups === undefined) return host;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high, low] = groups.slice(6) as [number, number];
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address; undefined if it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parts = halves.map((half) => (half === '' ? [] : half.split(':')));
  const head = parts[0] as string[];
  const tail = (parts[1] ?? []) as string[];
  const last = tail.length > 0 ? tail : head;
  // A dotted IPv4 address at the end stands for the last two groups.
  const dotted = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(last[last.length - 1] ?? '');
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    if (a > 255 || b > 255 || c > 255 || d > 255) return undefined;
    last.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array.from({ length: missing }, () => '0'), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups.map((group) => parseInt(group, 16));
}
