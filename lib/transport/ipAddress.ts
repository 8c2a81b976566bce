import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP addresses between their text and their 16 bytes of network order (an IPv4 address in the
 * first 4), for the native UDP socket, which takes and gives them as bytes. Text comes out as
 * `node:dgram` gives it (the C library's `inet_ntop`), so that a peer's address keys the same
 * whichever socket read it.
 */

/** An IP address as the socket takes it. */
export interface IpBytes {
  readonly family: 4 | 6;
  /** Network order; an IPv4 address in the first four, the rest 0. */
  readonly bytes: Uint8Array;
  /** The IPv6 scope (interface index) of a link-local address written `fe80::1%2`; else 0. */
  readonly scope: number;
}

/**
 * The bytes of `host`, an IPv4 or IPv6 address, or undefined if it is neither (a name, to be
 * looked up first). An IPv6 scope is an interface's number (`fe80::1%2`) or its name
 * (`fe80::1%eth0`), which `interfaceIndex` turns into its number; a name it does not know (0)
 * gives undefined.
 */
export function parseIp(
  host: string,
  interfaceIndex: (name: string) => number = () => 0,
): IpBytes | undefined {
  if (isIPv4(host)) {
    const bytes = new Uint8Array(16);
    const parts = host.split('.');
    for (let i = 0; i < 4; i++) bytes[i] = Number(parts[i]);
    return { family: 4, bytes, scope: 0 };
  }
  const percent = host.indexOf('%');
  const bare = percent < 0 ? host : host.slice(0, percent);
  if (!isIPv6(host) && !isIPv6(bare)) return undefined;
  let scope = 0;
  if (percent >= 0) {
    const zone = host.slice(percent + 1);
    scope = /^\d+$/.test(zone) ? Number(zone) : interfaceIndex(zone);
    if (scope === 0) return undefined;
  }
  return { family: 6, bytes: ipv6Bytes(bare), scope };
}

/** The 16 bytes of a valid IPv6 address without a zone. */
function ipv6Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string | undefined): number[] => {
    if (part === undefined || part === '') return [];
    const words: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const [a, b, c, d] = group.split('.').map(Number);
        words.push(((a ?? 0) << 8) | (b ?? 0), ((c ?? 0) << 8) | (d ?? 0));
      } else {
        words.push(parseInt(group, 16));
      }
    }
    return words;
  };
  const front = groups(head);
  const back = groups(tail);
  const words = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = (words[i] ?? 0) >> 8;
    bytes[2 * i + 1] = (words[i] ?? 0) & 0xff;
  }
  return bytes;
}

/**
 * The text of an address's bytes, as `inet_ntop` writes it: IPv4 dotted; IPv6 in lower-case hex
 * with the longest run of two or more zero groups (the first of equal ones) as `::`, and an
 * IPv4-mapped or -compatible address with its last four bytes dotted.
 */
export function formatIp(family: 4 | 6, bytes: Uint8Array): string {
  if (family === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && words[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  if (bestLength < 2) bestStart = -1;
  const dotted = (): string => `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLength) {
      if (i === bestStart) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    // ::a.b.c.d and ::ffff:a.b.c.d keep the IPv4 address dotted, as inet_ntop does.
    if (
      i === 6 &&
      bestStart === 0 &&
      (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))
    ) {
      return text + dotted();
    }
    text += (words[i] ?? 0).toString(16);
  }
  if (bestStart >= 0 && bestStart + bestLength === 8) text += ':';
  return text;
}
