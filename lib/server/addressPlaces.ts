import { InvalidArgumentError } from '../protocol/errors';

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
 * The places clients hold, by IP address (without the port): a client that showed the address is
 * its own (by the handshake, or by an ack) holds one until it leaves, and an address holds at most
 * `max`. So one machine, with as many sockets as it likes, cannot take every place of a server.
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
    return this.byHost.get(host) ?? 0;
  }

  /** Whether one more client at `host` would be too many; `replacing` is one it would replace. */
  isFull(host: string, replacing?: T): boolean {
    const replaced = replacing !== undefined && this.holders.get(replacing) === host ? 1 : 0;
    return this.held(host) - replaced >= this.max;
  }

  /** `holder` takes a place at `host`; once only. */
  take(holder: T, host: string): void {
    if (this.holders.has(holder)) return;
    this.holders.set(holder, host);
    this.byHost.set(host, this.held(host) + 1);
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
