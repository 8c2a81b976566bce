import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';

/** Hosts remembered for one port: a few clients behind different addresses may share it. */
const HOSTS_PER_PORT = 4;

/** A key made, with the host and scheme it was made for, and the one made before it on its port. */
interface Made {
  readonly host: string;
  readonly scheme: string | undefined;
  readonly key: string;
  older: Made | undefined;
}

/**
 * The address keys of the datagrams a server takes, remembered by port: a datagram from the port
 * and host of one before gets the key string made for that one, not a new one. So the key of
 * every datagram is not built, and hashed, afresh: the lookups of the client it comes from find a
 * string whose hash is known, and compare it by identity. A few hosts per port, the latest first,
 * each linking to the one before: a port with one host is one object to reach for, not an array
 * and its elements too. At most 4 x 65,536 keys however many addresses come and go.
 */
export class AddressKeys {
  private readonly byPort = new Map<number, Made>();

  /** The key of `address`, as `addressKey` makes it. */
  keyOf(address: Address): string {
    const latest = this.byPort.get(address.port);
    let hosts = 0;
    let last: Made | undefined;
    for (let made = latest; made !== undefined; made = made.older) {
      if (made.host === address.host && made.scheme === address.scheme) return made.key;
      // The oldest kept goes when the port has as many hosts as are kept.
      if (++hosts === HOSTS_PER_PORT - 1) last = made;
    }
    const key = addressKey(address);
    if (last !== undefined) last.older = undefined;
    this.byPort.set(address.port, {
      host: address.host,
      scheme: address.scheme,
      key,
      older: latest,
    });
    return key;
  }
}
