import type { Address } from '../transport/datagram';
import { addressKey } from '../transport/datagram';

/**
 * The address keys of the datagrams a server takes, remembered by port: a datagram from the port
 * and host of one before gets the key string made for that one, not a new one. So the key of
 * every datagram is not built, and hashed, afresh: the lookups of the client it comes from find a
 * string whose hash is known, and compare it by identity. One key per port at most, the last host
 * seen on it: 65,536 entries however many addresses come and go.
 */
export class AddressKeys {
  private readonly byPort = new Map<
    number,
    { readonly host: string; readonly scheme: string | undefined; readonly key: string }
  >();

  /** The key of `address`, as `addressKey` makes it. */
  keyOf(address: Address): string {
    const known = this.byPort.get(address.port);
    if (known !== undefined && known.host === address.host && known.scheme === address.scheme) {
      return known.key;
    }
    const key = addressKey(address);
    this.byPort.set(address.port, { host: address.host, scheme: address.scheme, key });
    return key;
  }
}
