import type { ClientConnection, ClientEntry } from './clientConnection';

/** What the view reads of the server's clients. */
interface Clients {
  readonly size: number;
  get(key: string): ClientEntry | undefined;
  all(): IterableIterator<[string, ClientEntry]>;
}

/**
 * The server's client connections by address key (`host:port`), read as they are now: a map
 * that is a view of the server's own, not a copy made for each read. A handler that looks up its
 * client's connection (its latency, say) for each event costs a lookup, not a map of every
 * client.
 */
export class ConnectionsView implements ReadonlyMap<string, ClientConnection> {
  constructor(private readonly clients: Clients) {}

  get size(): number {
    return this.clients.size;
  }

  get(key: string): ClientConnection | undefined {
    return this.clients.get(key)?.connection;
  }

  has(key: string): boolean {
    return this.clients.get(key) !== undefined;
  }

  *entries(): MapIterator<[string, ClientConnection]> {
    for (const [key, { connection }] of this.clients.all()) yield [key, connection];
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.clients.all()) yield key;
  }

  *values(): MapIterator<ClientConnection> {
    for (const [, { connection }] of this.clients.all()) yield connection;
  }

  forEach(
    each: (
      connection: ClientConnection,
      key: string,
      map: ReadonlyMap<string, ClientConnection>,
    ) => void,
    thisArg?: unknown,
  ): void {
    for (const [key, connection] of this.entries()) each.call(thisArg, connection, key, this);
  }

  [Symbol.iterator](): MapIterator<[string, ClientConnection]> {
    return this.entries();
  }
}
