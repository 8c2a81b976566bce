import { InvalidArgumentError } from '../protocol/errors';
import { placeKey } from '../transport/placeKey';

/**
 * The server's default for `maxClientsPerAddress`: 16, a LAN party behind one NAT.
 *
 * @category Server/Backend
 */
export const DEFAULT_MAX_CLIENTS_PER_ADDRESS = 16;

/**
 * Checks a count of places (`maxClients`, `maxClientsPerAddress`): a whole number of at least 0,
 * or `Infinity` for no limit.
 *
 * @throws {@link InvalidArgumentError} If it is not.
 */
export function checkPlaces(name: string, value: unknown): void {
  if (
    typeof value !== 'number' ||
    !(value >= 0) ||
    !(Number.isInteger(value) || value === Infinity)
  ) {
    throw new InvalidArgumentError(`${name} must be a whole number, got ${String(value)}`);
  }
}

/**
 * The places clients hold, by IP address (without the port; an IPv6 address by its /64, see
 * `placeKey`): a client that showed the address is its own (by the handshake, or by an ack) holds
 * one until it leaves, and an address holds at most `max`. So one machine, with as many sockets or
 * IPv6 addresses as it likes, cannot take every place of a server.
 *
 * ## Example
 * ```ts
 * const places = new AddressPlaces<ClientEntry>(16);
 * if (places.isFull(address.host)) refuse();
 * else places.take(entry, address.host);
 * ```
 */
export class AddressPlaces<T extends object> {
  private readonly byHost = new Map<string, number>();
  private readonly holders = new Map<T, string>();

  constructor(readonly max: number) {}

  /** How many places `host` holds. */
  held(host: string): number {
    return this.byHost.get(placeKey(host)) ?? 0;
  }

  /** Whether one more client at `host` would be too many; `replacing` is one it would replace. */
  isFull(host: string, replacing?: T): boolean {
    const replaced =
      replacing !== undefined && this.holders.get(replacing) === placeKey(host) ? 1 : 0;
    return this.held(host) - replaced >= this.max;
  }

  /** `holder` takes a place at `host`; once only. */
  take(holder: T, host: string): void {
    if (this.holders.has(holder)) return;
    const key = placeKey(host);
    this.holders.set(holder, key);
    this.byHost.set(key, this.held(key) + 1);
  }

  /** `holder` gives its place back, if it had one. */
  release(holder: T): void {
    const host = this.holders.get(holder);
    if (host === undefined) return;
    this.holders.delete(holder);
    const left = this.held(host) - 1;
    if (left > 0) this.byHost.set(host, left);
    else this.byHost.delete(host);
  }
}
