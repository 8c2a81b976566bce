import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';

/** Hosts remembered for one port: a few clients behind different addresses may share it. */
const HOSTS_PER_PORT = 4;

/** A key made, with the host and scheme it was made for. */
interface Made {
  readonly host: string;
  readonly scheme: string | undefined;
  readonly key: string;
}

/**
 * The address keys of the datagrams a server takes, remembered by port: a datagram from the port
 * and host of one before gets the key string made for that one, not a new one. So the key of
 * every datagram is not built, and hashed, afresh: the lookups of the client it comes from find a
 * string whose hash is known, and compare it by identity. A few hosts per port, the latest kept:
 * at most 4 x 65,536 keys however many addresses come and go.
 */
export class AddressKeys {
  private readonly byPort = new Map<number, Made[]>();

  /** The key of `address`, as `addressKey` makes it. */
  keyOf(address: Address): string {
    const made = this.byPort.get(address.port);
    if (made !== undefined) {
      for (let i = 0; i < made.length; i++) {
        const known = made[i] as Made;
        if (known.host === address.host && known.scheme === address.scheme) return known.key;
      }
    }
    const key = addressKey(address);
    const entry = { host: address.host, scheme: address.scheme, key };
    if (made === undefined) this.byPort.set(address.port, [entry]);
    else {
      if (made.length >= HOSTS_PER_PORT) made.shift();
      made.push(entry);
    }
    return key;
  }
}
