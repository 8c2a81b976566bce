import { EMPTY, merge } from 'rxjs';
import type { Datagram, Transport } from './datagram';

/**
 * Transports merged into one; see {@link mergeTransports}.
 *
 * @category Transports
 */
export interface MergedTransport extends Transport {
  /** The transports merged, in the order given. */
  readonly transports: readonly Transport[];
}

/**
 * One {@link Transport} out of several: datagrams from all of them, and each datagram sent on the
 * transport whose address has the same `scheme` as its target (none for UDP, `'ws'` for a
 * WebSocket peer), the first such. Its `address` is the first transport's; closing it closes all;
 * its `errors$` has what each of them reports.
 *
 * Passed as a {@link Server}'s `bind`, it lets UDP and WebSocket clients play one game.
 *
 * ## Example
 * ```ts
 * const server = new Server(store, {
 *   bind: async (port, host) =>
 *     mergeTransports(await bindUdp({ port, host }), await listenWebSocket({ port: 8081, host })),
 * });
 * await server.run(8080, '127.0.0.1');
 * ```
 *
 * @param first The transport whose address the merged one gives.
 * @param others The other transports. A datagram none of them can carry is dropped.
 *
 * @category Transports
 */
export function mergeTransports(first: Transport, ...others: Transport[]): MergedTransport {
  const transports = [first, ...others];
  return {
    datagrams$: merge(...transports.map((transport) => transport.datagrams$)),
    closed$: merge(...transports.map((transport) => transport.closed$ ?? EMPTY)),
    // What any of them reports: a server on the merged transport hears of it on its errors$.
    errors$: merge(...transports.map((transport) => transport.errors$ ?? EMPTY)),
    address: first.address,
    transports,
    send(datagram: Datagram): void {
      transports.find(({ address }) => address.scheme === datagram.address.scheme)?.send(datagram);
    },
    close(): void {
      for (const transport of transports) transport.close();
    },
  };
}
