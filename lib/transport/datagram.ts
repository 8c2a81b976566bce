import type { Observable } from 'rxjs';

/** Where a datagram comes from or goes to. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** A datagram and the address at the other end: its sender when received, its target when sent. */
export interface Datagram {
  readonly data: Uint8Array;
  readonly address: Address;
}

/**
 * Where datagrams come from and go to: UDP, an in-memory network, later WebSocket.
 *
 * `datagrams$` is hot: it emits what arrives while someone listens, errors when the transport
 * fails, and completes when it is closed.
 */
export interface Transport {
  readonly datagrams$: Observable<Datagram>;
  /** The local address datagrams arrive at. */
  readonly address: Address;
  /** Sends one datagram; never throws for the network's sake (UDP gives no word of delivery). */
  send(datagram: Datagram): void;
  /** Stops receiving and sending, completes `datagrams$` and frees what the transport holds. */
  close(): void;
}

/** A string naming an address, to key maps by: `host:port`, IPv6 hosts in brackets. */
export function addressKey(address: Address): string {
  return address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}
