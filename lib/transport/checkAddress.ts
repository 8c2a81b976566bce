import { InvalidArgumentError } from '../protocol/errors';

/** The longest hostname DNS can carry, without a trailing dot. */
const MAX_HOSTNAME_LENGTH = 253;
/** The longest label (the part between dots) DNS can carry. */
const MAX_LABEL_LENGTH = 63;

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;
/** A URL's scheme, as `http://` or `ws://`. */
const URL_START = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** A host and a port, as `localhost:8080` or `[::1]:8080`: one colon, or brackets, so no IPv6. */
const HOST_AND_PORT = /^(?:\[([^\]]*)\]|([^:[\]]*)):([^:]*)$/;

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
 * Checks a hostname given to the API: an IPv4 address, an IPv6 address (with a zone or not), or a
 * DNS name of at most 253 characters in labels of 1 to 63 letters, digits, hyphens and
 * underscores, neither starting nor ending with a hyphen. Anything else (a URL, a port, brackets,
 * spaces, non-ASCII: write it in punycode) is refused here, with what to give instead, rather than
 * by a DNS lookup that fails later, or, in the browser, by a WebSocket to nowhere.
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
  if (hostname.length === 0) {
    return 'is empty: give a name such as "localhost" or an address such as "127.0.0.1"';
  }
  if (hostname.trim() !== hostname) {
    return `has white space around it: give ${JSON.stringify(hostname.trim())}`;
  }
  const url = URL_START.exec(hostname);
  if (url !== null) return urlProblem(hostname.slice(url[0].length));
  const withPort = HOST_AND_PORT.exec(hostname);
  if (withPort !== null) return portProblem(withPort[1] ?? withPort[2] ?? '', withPort[3] ?? '');
  if (hostname.startsWith('[') && hostname.endsWith(']')) {
    const address = hostname.slice(1, -1);
    return isIPv6(address)
      ? `is in brackets, which belong in URLs only: give the IPv6 address alone, ${JSON.stringify(address)}`
      : 'is not an IPv6 address';
  }
  if (hostname.includes(':')) return isIPv6(hostname) ? undefined : 'is not an IPv6 address';
  const slash = hostname.indexOf('/');
  if (slash >= 0) {
    return `holds a path, ${JSON.stringify(hostname.slice(slash))}: give the hostname alone, ${JSON.stringify(hostname.slice(0, slash))}`;
  }
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
      if (bad === undefined) {
        return `has the label ${JSON.stringify(label)}, which starts or ends with a hyphen`;
      }
      const shown =
        bad === ' '
          ? 'a space'
          : /\s/.test(bad)
            ? `white space (${JSON.stringify(bad)})`
            : JSON.stringify(bad);
      return `holds ${shown}, which a hostname cannot (letters, digits, hyphens, underscores and dots only; non-ASCII names in punycode)`;
    }
  }
  return undefined;
}

/** What to say of a URL given as a hostname, its scheme cut off: which hostname is in it. */
function urlProblem(rest: string): string {
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const withPort = HOST_AND_PORT.exec(host);
  const name = withPort === null ? host : (withPort[1] ?? withPort[2] ?? '');
  const unbracketed = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  if (unbracketed === '') return 'is a URL, not a hostname, and names no host';
  const port = /^\d+$/.test(withPort?.[3] ?? '')
    ? `, and ${withPort?.[3]} as the port argument`
    : '';
  return `is a URL, not a hostname: give the hostname in it, ${JSON.stringify(unbracketed)}${port}`;
}

/** What to say of a hostname with a port on it. */
function portProblem(name: string, port: string): string {
  if (name === '') return 'is a port with no hostname: give a hostname, and the port apart';
  if (!/^\d+$/.test(port)) {
    return `holds ${JSON.stringify(`:${port}`)}, which no hostname can; a port goes in the port argument`;
  }
  return `holds a port: give the hostname alone, ${JSON.stringify(name)}, and ${port} as the port argument (as in connect(${port}, '${name}'))`;
}

/** Whether `text` is an IPv6 address, as `::1`, `fe80::1%eth0` or `::ffff:10.0.0.1`. */
function isIPv6(text: string): boolean {
  let address = text;
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
