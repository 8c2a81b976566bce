import { createSocket } from 'node:dgram';
import { bindSocket } from '../transport/udpTransport';
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { RxgaseError } from '../protocol/errors';
import type { Address } from '../transport/datagram';
import type { DiscoveryInfo, DiscoveryMessage } from './discoveryCodec';
import {
  DISCOVERY_GROUP,
  DISCOVERY_PORT,
  decodeDiscovery,
  encodeDiscoveryAnswer,
} from './discoveryCodec';

/**
 * How a server answers discovery. Every optional field says its default.
 *
 * @category Discovery
 */
export interface AnswerDiscoveryOptions {
  /** What to tell who asks; a function is asked anew for each request (for a player count). */
  readonly info: DiscoveryInfo | (() => DiscoveryInfo);
  /** The port to listen on; default {@link DISCOVERY_PORT}; 0 lets the system choose. */
  readonly port?: number;
  /** The address to listen on; default `0.0.0.0`, which broadcasts reach. */
  readonly host?: string;
  /** The multicast group to join; default {@link DISCOVERY_GROUP}; `null` for none. */
  readonly group?: string | null;
  /** The interface to join the group on, by its address; default the system's choice. */
  readonly multicastInterface?: string;
}

/**
 * A server's discovery responder, listening.
 *
 * @category Discovery
 */
export interface DiscoveryResponder {
  /** Where it listens. */
  readonly address: Address;
  /** Whether it joined the multicast group; broadcasts reach it either way. */
  readonly multicast: boolean;
  /** Requests answered. */
  readonly answered: number;
  /** Datagrams that were not discovery requests, dropped. */
  readonly dropped: number;
  /**
   * Requests left unanswered because the answer would have been larger than they were: an
   * older rxgase's unpadded request, or someone's attempt to reflect bigger answers at a victim.
   */
  readonly tooShort: number;
  /** Socket errors, a refused send, an `info` that threw: reported, never thrown. */
  readonly errors$: Observable<Error>;
  /** Stops answering and frees the port. */
  close(): void;
}

/**
 * Answers LAN discovery requests (see {@link discover}) with `info`, on a UDP port that takes
 * broadcasts and, unless `group` is `null`, a multicast group. Several servers on one machine can
 * share the port: each gets the multicast requests. Anything else that arrives is dropped and
 * counted. No request gets an answer larger than itself (`discover` pads its requests to the
 * size of the largest answer): a shorter one is left unanswered and counted in `tooShort`, so the
 * responder cannot be used to amplify a flood at a spoofed address.
 *
 * ## Example
 * ```ts
 * const { port } = await backend.run('0.0.0.0', 8080);
 * const responder = await answerDiscovery({
 *   info: () => ({ name: 'chase', port, clients: backend.server.connections.size }),
 * });
 * // ... later
 * responder.close();
 * ```
 *
 * @throws If the socket cannot bind: the Promise rejects with the system's error.
 *
 * @category Discovery
 */
export async function answerDiscovery(
  options: AnswerDiscoveryOptions,
): Promise<DiscoveryResponder> {
  const { port = DISCOVERY_PORT, host = '0.0.0.0', group = DISCOVERY_GROUP } = options;
  const info = options.info;
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  const errors = new Subject<Error>();
  await bindSocket(socket, port, host);
  // Always listened to: an 'error' nobody listens to would crash the process.
  socket.on('error', (error) => errors.next(error));
  let answered = 0;
  let dropped = 0;
  let tooShort = 0;
  let multicast = false;
  if (group !== null) {
    try {
      socket.addMembership(group, options.multicastInterface);
      multicast = true;
    } catch {
      // No multicast route on this host: broadcasts still reach it, and `multicast` says so.
    }
  }
  socket.on('message', (data, remote) => {
    let message: DiscoveryMessage | undefined;
    try {
      message = decodeDiscovery(data);
    } catch (error) {
      if (!(error instanceof RxgaseError)) throw error;
    }
    if (message?.kind !== 'request') {
      dropped++;
      return;
    }
    let answer: Uint8Array;
    try {
      answer = encodeDiscoveryAnswer(typeof info === 'function' ? info() : info);
    } catch (error) {
      // The caller's info function threw, or gave too much to send.
      errors.next(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (answer.length > data.length) {
      tooShort++;
      return;
    }
    answered++;
    socket.send(answer, remote.port, remote.address, (error) => {
      if (error) errors.next(error);
    });
  });
  const bound = socket.address();
  let closed = false;
  return {
    address: { host: bound.address, port: bound.port },
    multicast,
    get answered() {
      return answered;
    },
    get dropped() {
      return dropped;
    },
    get tooShort() {
      return tooShort;
    },
    errors$: errors.asObservable(),
    close(): void {
      if (closed) return;
      closed = true;
      socket.close();
      errors.complete();
    },
  };
}
