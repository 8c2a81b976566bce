/**
 * The page's link to its server: a WebRTC data channel (WebSocket where none opens) or a
 * WebSocket, as the panel says, behind the network the page simulates; and a way to drop it, as
 * a network does, after which the client comes back by itself over the transport chosen then.
 */
import { EMPTY, Subject, merge } from 'rxjs';
import type { Observable } from 'rxjs';
import {
  simulatedTransport,
  webRtcClientTransport,
  webSocketClientTransport,
} from '../../../lib/browser';
import type { Address, NetworkConditions, Transport } from '../../../lib/browser';

/** What the page's link may go over. */
export type LinkChoice = 'data channel' | 'websocket';

/** What the link goes over now: a data channel, its WebSocket fallback, or a WebSocket. */
export type LinkNow = 'data channel' | 'fallback' | 'websocket' | 'opening';

/** The page's link, made anew for each connection (and reconnection) of its client. */
export interface PageLink {
  /** The client's `bind`: a new transport, as `choice()` says then. */
  readonly bind: () => Promise<Transport>;
  /** Drops the link now, as a network would: the client reconnects. */
  drop(): void;
  /** What the link goes over now. */
  now(): LinkNow;
}

/** The page's link: over `choice()`, behind `conditions$`. */
export function pageLink(
  choice: () => LinkChoice,
  conditions$: Observable<NetworkConditions>,
): PageLink {
  let drop = (): void => undefined;
  let now = (): LinkNow => 'opening';
  return {
    bind: async () => {
      const chosen = choice();
      const rtc =
        chosen === 'data channel'
          ? webRtcClientTransport({ fallback: () => webSocketClientTransport() })
          : undefined;
      const inner = rtc ?? webSocketClientTransport();
      const simulated = simulatedTransport(inner, conditions$);
      const dropped = new Subject<Address>();
      let server: Address | undefined;
      drop = () => {
        if (server !== undefined) dropped.next(server);
      };
      now = () =>
        rtc === undefined
          ? 'websocket'
          : server === undefined
            ? 'opening'
            : (rtc.via(server) ?? 'opening');
      return {
        ...simulated,
        closed$: merge(simulated.closed$ ?? EMPTY, dropped),
        send: (datagram) => {
          server = datagram.address;
          simulated.send(datagram);
        },
      };
    },
    drop: () => drop(),
    now: () => now(),
  };
}
