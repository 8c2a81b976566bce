import { formatIp, parseIp } from './ipAddress';
import type { IpBytes } from './ipAddress';
import { RECORD_WORDS } from './nativeUdp';
import type { NativeUdp } from './nativeUdp';

/** Hosts whose text or bytes are kept, at most, each way; past that, the memo starts again. */
const HOSTS_KEPT = 4096;

/**
 * A host as a send record takes it: an IPv4 address also as the one word its record holds, so
 * that a datagram to it writes a number, not its bytes (the server's hundred thousand sends a
 * second each touch one object fewer).
 */
export interface Destination extends IpBytes {
  readonly word: number;
}

/** `ip` as a send record takes it; undefined for no address. */
export function destination(ip: IpBytes | undefined): Destination | undefined {
  if (ip === undefined) return undefined;
  const word = new Uint32Array(ip.bytes.buffer, ip.bytes.byteOffset, 1)[0] ?? 0;
  return { ...ip, word };
}

/**
 * The hosts a native socket hears from and sends to, each worked out once: the text of a peer's
 * host from the record of a datagram it sent (as node:dgram says it), with no string made for each
 * datagram to look it up, and the bytes of a host a datagram goes to.
 */
export class PeerHosts {
  /** IPv4 hosts by their address as one number. */
  private readonly texts4 = new Map<number, string>();
  /** IPv6 hosts by their words and scope. */
  private readonly texts6 = new Map<string, string>();
  /** The hosts datagrams went to, as their records take them. */
  private readonly destinations = new Map<string, Destination>();

  constructor(private readonly udp: Pick<NativeUdp, 'interfaceName' | 'interfaceIndex'>) {}

  /** The host of the datagram whose receive record is the `at`th of `records`. */
  textOf(records: Uint32Array, at: number): string {
    const word = RECORD_WORDS * at;
    if (records[word + 2] !== 6) {
      const key = records[word + 6] ?? 0;
      let text = this.texts4.get(key);
      if (text === undefined) {
        text = formatIp(4, addressBytes(records, word));
        if (this.texts4.size >= HOSTS_KEPT) this.texts4.clear();
        this.texts4.set(key, text);
      }
      return text;
    }
    const scope = records[word + 4] ?? 0;
    const key = `${records[word + 6]},${records[word + 7]},${records[word + 8]},${records[word + 9]}%${scope}`;
    let text = this.texts6.get(key);
    if (text === undefined) {
      text = formatIp(6, addressBytes(records, word));
      // A link-local peer's interface, by name, as node:dgram says it: fe80::1%eth0.
      if (scope !== 0) text += `%${this.udp.interfaceName(scope) ?? scope}`;
      if (this.texts6.size >= HOSTS_KEPT) this.texts6.clear();
      this.texts6.set(key, text);
    }
    return text;
  }

  /** The bytes of `host`, an IP address; undefined for a name. */
  bytesOf(host: string): Destination | undefined {
    let ip = this.destinations.get(host);
    if (ip === undefined) {
      ip = destination(parseIp(host, this.udp.interfaceIndex));
      if (ip !== undefined) {
        if (this.destinations.size >= HOSTS_KEPT) this.destinations.clear();
        this.destinations.set(host, ip);
      }
    }
    return ip;
  }
}

/** The address bytes of the record at `word` of `records`. */
function addressBytes(records: Uint32Array, word: number): Uint8Array {
  return new Uint8Array(records.buffer, records.byteOffset + 4 * (word + 6), 16);
}
