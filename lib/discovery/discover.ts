import { createSocket } from 'node:dgram';
import { Observable, asyncScheduler, timer } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { RxgaseError } from '../protocol/errors';
import type { DiscoveryInfo, DiscoveryMessage } from './discoveryCodec';
import {
  DISCOVERY_GROUP,
  DISCOVERY_PORT,
  decodeDiscovery,
  encodeDiscoveryRequest,
} from './discoveryCodec';

/**
 * How to look for servers. Every field says its default.
 *
 * @category Discovery
 */
export interface DiscoverOptions {
  /**
   * Where to ask: default the multicast group {@link DISCOVERY_GROUP}; a broadcast address
   * (`255.255.255.255`, or a subnet's) or a single host works too.
   */
  readonly address?: string;
  /** The port servers answer on; default {@link DISCOVERY_PORT}. */
  readonly port?: number;
  /** How long to listen for answers; default 1000 ms. Then the Observable completes. */
  readonly timeoutMs?: number;
  /** How often to ask again while listening, as a request can be lost; default 250 ms. */
  readonly intervalMs?: number;
  /** The interface multicast requests go out of, by its address; default the system's choice. */
  readonly multicastInterface?: string;
  /** Where the timers run; default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * A server that answered, at the address its answer came from.
 *
 * @category Discovery
 */
export interface DiscoveredServer extends DiscoveryInfo {
  /** The server's host, as the answer came from it: pass it with `port` to `Client.connect`. */
  readonly host: string;
}

/**
 * Looks for game servers on the LAN (those running {@link answerDiscovery}): asks by multicast
 * (or broadcast) every `intervalMs`, emits each server once as it answers, and completes after
 * `timeoutMs`. Unsubscribing stops at once and frees the socket. Answers that do not decode are
 * ignored.
 *
 * ## Example
 * ```ts
 * discover({ timeoutMs: 500 }).subscribe((server) =>
 *   console.log(`${server.name} at ${server.host}:${server.port}`),
 * );
 * // or: const servers = await lastValueFrom(Client.discover().pipe(toArray()));
 * ```
 *
 * @category Discovery
 */
export function discover(options: DiscoverOptions = {}): Observable<DiscoveredServer> {
  const {
    address = DISCOVERY_GROUP,
    port = DISCOVERY_PORT,
    timeoutMs = 1000,
    intervalMs = 250,
    multicastInterface,
    scheduler = asyncScheduler,
  } = options;
  return new Observable<DiscoveredServer>((subscriber) => {
    const socket = createSocket('udp4');
    const seen = new Set<string>();
    const request = encodeDiscoveryRequest();
    socket.on('error', (error) => subscriber.error(error));
    socket.on('message', (data, remote) => {
      let message: DiscoveryMessage;
      try {
        message = decodeDiscovery(data);
      } catch (error) {
        if (error instanceof RxgaseError) return;
        throw error;
      }
      if (message.kind !== 'answer') return;
      const key = `${remote.address}:${message.info.port}`;
      if (seen.has(key)) return;
      seen.add(key);
      subscriber.next({ ...message.info, host: remote.address });
    });
    const asking = timer(0, intervalMs, scheduler);
    let asked: { unsubscribe(): void } | undefined;
    socket.bind(0, () => {
      if (subscriber.closed) return;
      socket.setBroadcast(true);
      if (multicastInterface !== undefined) socket.setMulticastInterface(multicastInterface);
      asked = asking.subscribe(() =>
        socket.send(request, port, address, (error) => {
          if (error) subscriber.error(error);
        }),
      );
    });
    const done = timer(timeoutMs, scheduler).subscribe(() => subscriber.complete());
    return () => {
      done.unsubscribe();
      asked?.unsubscribe();
      socket.close();
    };
  });
}
