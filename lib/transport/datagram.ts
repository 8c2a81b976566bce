import type { Observable } from 'rxjs';

/**
 * Where a datagram comes from or goes to. A UDP address has no `scheme`; a WebSocket peer has
 * `scheme: 'ws'` (or `'wss'`), so it never shares a key with a UDP peer at the same host and port.
 *
 * @category Transports
 */
export interface Address {
  readonly host: string;
  readonly port: number;
  /** How the peer is reached when not over UDP: `'ws'` or `'wss'`; absent for UDP. */
  readonly scheme?: string;
}

/**
 * A datagram and the address at the other end: its sender when received, its target when sent.
 *
 * @category Transports
 */
export interface Datagram {
  readonly data: Uint8Array;
  readonly address: Address;
}

/**
 * Where datagrams come from and go to: UDP, WebSocket, an in-memory network.
 *
 * `datagrams$` is hot: it emits what arrives while someone listens, errors when the transport
 * fails, and completes when it is closed.
 *
 * @category Transports
 */
export interface Transport {
  readonly datagrams$: Observable<Datagram>;
  /** The local address datagrams arrive at. */
  readonly address: Address;
  /** Sends one datagram; never throws for the network's sake (UDP gives no word of delivery). */
  send(datagram: Datagram): void;
  /**
   * The way to one peer, for a caller that sends there many times (a server, to each client):
   * what `send` works out for each datagram from its address (the host's bytes, on rxgase's
   * native socket) is worked out once. Its `send` behaves as the transport's own to `to`.
   * Transports without it are sent through with `send`. A wrapper that replaces `send` replaces
   * or leaves out `route` too; the native socket's is not enumerable, so a spread copy with a
   * `send` of its own (`{ ...udp, send }`) has none, and every datagram goes through that `send`.
   */
  route?(to: Address): Route;
  /** Stops receiving and sending, completes `datagrams$` and frees what the transport holds. */
  close(): void;
  /**
   * The peers whose link closed, as it closes: a WebSocket that closed (or could not open), after
   * which nothing comes from or goes to that address. A connection to it ends at once, where over
   * UDP, which has no links, a peer is gone only once it stops answering. Transports without links
   * have none.
   */
  readonly closed$?: Observable<Address>;
  /**
   * What went wrong beneath: a send the system refused, a socket's error. Reported here, never
   * thrown; a transport with nothing to report has none.
   */
  readonly errors$?: Observable<Error>;
}

/**
 * Where a transport's {@link Transport.route} sends: one peer.
 *
 * @category Transport
 */
export interface Route {
  /** Sends one datagram to the route's peer, as the transport's `send` does. */
  send(data: Uint8Array): void;
}

/**
 * The `type` under which a server's or a client's `errors$` reports what its transport reported
 * (`Transport.errors$`): a send the system refused, a socket's error.
 *
 * @category Transport
 */
export const TRANSPORT_ERROR = 'transport';

/**
 * A string naming an address, to key maps by: `host:port`, IPv6 hosts in brackets, and with
 * `scheme://` before it when the address has a scheme (`ws://127.0.0.1:8081`).
 *
 * @category Transports
 */
export function addressKey(address: Address): string {
  const hostAndPort = address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
  return address.scheme === undefined ? hostAndPort : `${address.scheme}://${hostAndPort}`;
}
