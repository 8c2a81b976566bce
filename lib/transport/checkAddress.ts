import { InvalidArgumentError } from '../protocol/errors';

/** The longest hostname DNS can carry, without a trailing dot. */
const MAX_HOSTNAME_LENGTH = 253;
/** The longest label (the part between dots) DNS can carry. */
const MAX_LABEL_LENGTH = 63;

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * Checks a port given to the API: an integer in `min`..65535.
 *
 * @param min 1 where a port is connected to; 0 where the system may choose one.
 * @throws {@link InvalidArgumentError} If it is not.
 */
export function checkPort(port: unknown, min: 0 | 1): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < min || port > 0xffff) {
    throw new InvalidArgumentError(
      `the port must be an integer in ${min}..65535, got ${describe(port)}`,
    );
  }
}

/**
 * Checks a hostname given to the API: an IPv4 address, an IPv6 address (bracketed or not, with
 * a zone or not), or a DNS name of at most 253 characters in labels of 1 to 63 letters, digits,
 * hyphens and underscores, neither starting nor ending with a hyphen. A name with other
 * characters (spaces, a scheme, a port, a path, non-ASCII: write it in punycode) is refused here
 * rather than by a DNS lookup that fails later, or, in the browser, by a WebSocket to nowhere.
 *
 * @throws {@link InvalidArgumentError} If it is none of these, saying why.
 */
export function checkHostname(hostname: unknown): void {
  if (typeof hostname !== 'string') {
    throw new InvalidArgumentError(`the hostname must be a string, got ${describe(hostname)}`);
  }
  const problem = hostnameProblem(hostname);
  if (problem !== undefined) {
    throw new InvalidArgumentError(`the hostname ${JSON.stringify(hostname)} ${problem}`);
  }
}

/** What is wrong with `hostname`, or undefined. */
function hostnameProblem(hostname: string): string | undefined {
  if (hostname.length === 0) return 'is empty';
  if (hostname.includes(':')) return isIPv6(hostname) ? undefined : 'is not an IPv6 address';
  if (IPV4.test(hostname)) {
    return isIPv4(hostname) ? undefined : 'is not an IPv4 address: a part is over 255';
  }
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  if (name.length > MAX_HOSTNAME_LENGTH) {
    return `is ${name.length} characters long; a hostname has at most ${MAX_HOSTNAME_LENGTH}`;
  }
  for (const label of name.split('.')) {
    if (label.length === 0) return 'has an empty label (two dots in a row, or a dot first)';
    if (label.length > MAX_LABEL_LENGTH) {
      return `has a label of ${label.length} characters; a label has at most ${MAX_LABEL_LENGTH}`;
    }
    if (!LABEL.test(label)) {
      const bad = [...label].find((char) => !/[A-Za-z0-9_-]/.test(char));
      return bad === undefined
        ? `has the label ${JSON.stringify(label)}, which starts or ends with a hyphen`
        : `holds ${JSON.stringify(bad)}, which a hostname cannot (letters, digits, hyphens, underscores and dots only; non-ASCII names in punycode)`;
    }
  }
  return undefined;
}

/** Whether `text` is an IPv6 address, as `::1`, `[fe80::1%eth0]` or `::ffff:10.0.0.1`. */
function isIPv6(text: string): boolean {
  let address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = address.indexOf('%');
  if (zone >= 0) {
    if (!/^[\w.-]+$/.test(address.slice(zone + 1))) return false;
    address = address.slice(0, zone);
  }
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An IPv4 address at the end stands for two groups.
    if (!isIPv4(tail)) return false;
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  if (!groups.every((group) => IPV6_GROUP.test(group))) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}

function isIPv4(text: string): boolean {
  return IPV4.test(text) && text.split('.').every((part) => Number(part) <= 255);
}

/** A value as an error message shows what it got: strings quoted, other types named. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `${JSON.stringify(value)} (a string)`;
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  return `a ${typeof value}`;
}
